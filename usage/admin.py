"""The Django admin of usage: imports and events are evidence, shown read-only.

An import is deleted on its page, which also marks its projects for recalculation.
"""

from __future__ import annotations

from django.contrib import admin

from usage.models import UsageEvent, UsageImport
from workspaces.admin import ReadOnlyAdmin


@admin.register(UsageImport)
class UsageImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "project", "state", "total_rows", "imported_rows", "created_at"]
    list_filter = ["state", "workspace"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "uploaded_by"]
    readonly_fields = ["sha256", "errors", "header", "column_mapping"]


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdmin):
    """Events are looked at, never edited: they come and go with their import (delete that),
    and the table has no index on `id`, so one event's page scans it (docs/usage-imports.md)."""

    list_display = ["day", "project", "feature", "count", "user_key"]
    list_filter = ["workspace"]
    raw_id_fields = ["project", "usage_import", "workspace"]
    show_full_result_count = False
