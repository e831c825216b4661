"""Platform staff may look at share links (never their secrets, which are not stored)."""

from __future__ import annotations

from django.contrib import admin

from reports.models import ShareLink, ShareLinkOpening
from workspaces.admin import ReadOnlyAdmin


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "label", "project", "expires_at", "revoked_at", "open_count"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "created_by"]
    exclude = ["token_hash"]


@admin.register(ShareLinkOpening)
class ShareLinkOpeningAdmin(ReadOnlyAdmin):
    list_display = ["share_link", "opened_at"]
    list_select_related = ["share_link"]
    raw_id_fields = ["share_link"]
