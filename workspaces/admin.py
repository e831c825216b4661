"""The Django admin for platform staff: every write goes through the services' rules.

Evidence (answers, responses, snapshots, usage) is shown read-only with `ReadOnlyAdmin`; the
writes that stay (memberships here) call the same services as the pages, so the admin cannot
break an invariant such as "a workspace keeps at least one admin".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from workspaces import services
from workspaces.models import Membership, Role, Workspace


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show rows without any way to add, change or delete them from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(ReadOnlyInline):
    """Members are listed on their workspace; adding or changing one goes through Memberships."""

    model = Membership
    fields = ["user", "role", "created_at"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Workspace, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            # A new workspace gets what every workspace needs (its default template…).
            created = services.workspace_create(name=obj.name, slug=obj.slug)
            obj.pk = created.pk


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "workspace", "role"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        membership = self.instance
        if membership.pk and membership.role == Role.ADMIN and cleaned.get("role") != Role.ADMIN:
            if services.is_last_admin(membership):
                raise ValidationError(services.LAST_ADMIN)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "workspace", "role"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__username", "user__email", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> list:
        # Moving a membership to another user or workspace is a removal and an addition.
        return ["user", "workspace"] if obj is not None else []

    def get_actions(self, request: HttpRequest) -> dict:
        # The bulk delete action would skip the last-admin rule; delete one member at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is not None and services.is_last_admin(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = services.membership_set(workspace=obj.workspace, user=obj.user, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_remove(membership=obj)
