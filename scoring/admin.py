from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from scoring.models import ScoreSnapshot, ScoringModel, UsageEvent, UsageImport


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    list_display = ["workspace", "version", "created_by", "created_at"]
    list_filter = ["workspace"]
    list_select_related = ["workspace", "created_by"]
    # A version is never edited in place: admins change the model on the Scoring model page.
    readonly_fields = [field.name for field in ScoringModel._meta.fields]


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(admin.ModelAdmin):
    list_display = ["project", "score", "band", "responses", "model_version", "created_at"]
    list_filter = ["band", "workspace"]
    list_select_related = ["project", "project__account"]
    raw_id_fields = ["project", "assessment", "scoring_model"]
    readonly_fields = ["fingerprint", "breakdown", "flags"]


@admin.register(UsageImport)
class UsageImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "project", "state", "total_rows", "imported_rows", "created_at"]
    list_filter = ["state", "workspace"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "uploaded_by"]
    readonly_fields = ["sha256", "errors", "header", "column_mapping"]


@admin.register(UsageEvent)
class UsageEventAdmin(admin.ModelAdmin):
    """Events are looked at, never edited: they come and go with their import (delete that),
    and the table has no index on `id`, so one event's page scans it (docs/usage-imports.md)."""

    list_display = ["day", "project", "feature", "count", "user_key"]
    list_filter = ["workspace"]
    raw_id_fields = ["project", "usage_import", "workspace"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
