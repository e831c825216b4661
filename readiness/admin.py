from __future__ import annotations

from django.contrib import admin

from readiness.models import (
    Account,
    Answer,
    Assessment,
    Invitation,
    Membership,
    Project,
    Response,
    SurveyTemplate,
    TemplateItem,
    Workspace,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__username", "user__email", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]


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


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 0


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_default", "workspace"]
    list_filter = ["workspace", "is_default"]
    inlines = [TemplateItemInline]


@admin.register(TemplateItem)
class TemplateItemAdmin(admin.ModelAdmin):
    list_display = ["code", "dimension", "kind", "template"]
    list_filter = ["dimension", "kind"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "state", "opens_on", "closes_on", "workspace"]
    list_filter = ["state", "workspace"]
    list_select_related = ["project", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "role", "assessment", "sent_at", "submitted_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["name", "email"]
    exclude = ["token_hash"]
    list_select_related = ["assessment"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    raw_id_fields = ["item"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["invitation", "assessment", "status", "source", "submitted_at"]
    list_filter = ["status", "source", "workspace"]
    raw_id_fields = ["invitation", "assessment"]
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["response", "item", "value", "dont_know"]
    raw_id_fields = ["response", "item"]
