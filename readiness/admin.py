"""The Django admin of readiness: answers, responses and invitations are evidence, read-only.

A template used by an assessment is frozen: the admin shows it read-only, and a new version is
made on the template pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from readiness.models import (
    Account,
    Answer,
    Assessment,
    EvidenceChange,
    Invitation,
    Project,
    Response,
    SurveyTemplate,
    TemplateItem,
    Workshop,
    WorkshopPrompt,
)
from workspaces.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "industry", "owner", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name", "external_id"]
    list_select_related = ["owner", "workspace"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "product_name", "status", "licensed_seats", "workspace"]
    list_filter = ["status", "workspace"]
    search_fields = ["name", "account__name", "product_name"]
    list_select_related = ["account", "workspace"]


def _frozen(template: SurveyTemplate | None) -> bool:
    return template is not None and template.is_frozen


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_default", "workspace"]
    list_filter = ["workspace", "is_default"]
    inlines = [TemplateItemInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(TemplateItem)
class TemplateItemAdmin(admin.ModelAdmin):
    list_display = ["code", "dimension", "kind", "template"]
    list_filter = ["dimension", "kind"]
    list_select_related = ["template"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Items are added on their template, where a frozen one offers no row to add.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        frozen = obj is not None and _frozen(obj.template)
        return not frozen and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        frozen = obj is not None and _frozen(obj.template)
        return not frozen and super().has_delete_permission(request, obj)


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "state", "opens_on", "closes_on", "workspace"]
    list_filter = ["state", "workspace"]
    list_select_related = ["project", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are made on the assessment page, which gives each its secret link."""

    list_display = ["name", "email", "role", "assessment", "sent_at", "submitted_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["name", "email"]
    exclude = ["token_hash", "previous_token_hash", "token_salt"]
    list_select_related = ["assessment"]


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ["item", "value", "dont_know", "text"]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["invitation", "assessment", "status", "source", "submitted_at"]
    list_filter = ["status", "source", "workspace"]
    raw_id_fields = ["invitation", "assessment"]
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["response", "item", "value", "dont_know"]
    raw_id_fields = ["response", "item"]


@admin.register(EvidenceChange)
class EvidenceChangeAdmin(ReadOnlyAdmin):
    """Submissions the project's score does not count yet; the recalculation deletes them."""

    list_display = ["id", "project", "created_at"]
    raw_id_fields = ["project"]


@admin.register(Workshop)
class WorkshopAdmin(ReadOnlyAdmin):
    list_display = ["code", "assessment", "started_at", "ended_at", "workspace"]
    list_filter = ["workspace"]


@admin.register(WorkshopPrompt)
class WorkshopPromptAdmin(admin.ModelAdmin):
    list_display = ["dimension", "position", "text", "workspace"]
    list_filter = ["workspace", "dimension"]
