"""Platform staff may look at change plans; every change goes through the pages' services."""

from __future__ import annotations

from django.contrib import admin

from plans.models import (
    Action,
    ActionEffect,
    ActionLibraryEntry,
    ActionUpdate,
    CheckpointRound,
    DigestPreference,
)
from workspaces.admin import ReadOnlyAdmin


@admin.register(ActionLibraryEntry)
class ActionLibraryEntryAdmin(ReadOnlyAdmin):
    list_display = ["title", "target", "kind", "suggested_duration_days", "workspace"]
    list_filter = ["target", "kind", "workspace"]
    list_select_related = ["workspace"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["title", "project", "target", "target_group", "status", "due_on"]
    list_filter = ["status", "target", "workspace"]
    list_select_related = ["project", "project__account"]
    raw_id_fields = ["project", "owner", "source_assessment", "library_entry", "created_by"]


@admin.register(ActionUpdate)
class ActionUpdateAdmin(ReadOnlyAdmin):
    list_display = ["action", "status_before", "status_after", "created_at"]
    list_select_related = ["action"]
    raw_id_fields = ["action", "author"]


@admin.register(ActionEffect)
class ActionEffectAdmin(ReadOnlyAdmin):
    list_display = ["action", "snapshot", "created_at"]
    list_select_related = ["action", "snapshot"]
    raw_id_fields = ["action", "snapshot", "before_assessment", "after_assessment"]


@admin.register(CheckpointRound)
class CheckpointRoundAdmin(ReadOnlyAdmin):
    list_display = ["project", "code", "assessment", "created_at"]
    list_select_related = ["project", "assessment"]
    raw_id_fields = ["project", "assessment"]


@admin.register(DigestPreference)
class DigestPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["membership", "daily_digest", "last_digest_on"]
    list_select_related = ["membership__user", "membership__workspace"]
    raw_id_fields = ["membership"]
