from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scoring import services
from scoring.models import ResponseSummary, ScoreSnapshot, ScoringModel
from workspaces.admin import ReadOnlyAdmin


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    """A version is never edited in place: adding one saves a new version through the service."""

    list_display = ["workspace", "version", "created_by", "created_at"]
    list_filter = ["workspace"]
    list_select_related = ["workspace", "created_by"]
    exclude = ["version", "created_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ScoringModel, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ScoringModel.PARAMETER_FIELDS}
        saved = services.scoring_model_revise(
            workspace=form.cleaned_data["workspace"], user=request.user, **fields
        )
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["project", "score", "band", "responses", "model_version", "created_at"]
    list_filter = ["band", "workspace"]
    list_select_related = ["project", "project__account"]
    raw_id_fields = ["project", "assessment", "scoring_model"]
    readonly_fields = ["fingerprint", "breakdown", "flags"]


@admin.register(ResponseSummary)
class ResponseSummaryAdmin(ReadOnlyAdmin):
    """Derived from a submitted response's answers by the first recalculation that reads it."""

    list_display = ["response", "awareness_answered", "leadership_answered", "nps"]
    list_select_related = ["response__invitation"]
    raw_id_fields = ["response"]
