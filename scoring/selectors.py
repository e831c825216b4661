"""Reads of usage imports and usage figures, always scoped to one workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import QuerySet

from readiness.models import Project, Workspace
from readiness.selectors import get_in_workspace
from scoring import usage_files as uf
from scoring.models import UsageImport, UsageImportState
from scoring.services import PREVIEW_ROWS, progress_cache_key
from scoring.usage_metrics import (
    UsageMonth,
    UsageWindow,
    usage_monthly_series,
    usage_window_figures,
)

RECENT_IMPORTS = 5


def usage_import_list(*, workspace: Workspace) -> QuerySet[UsageImport]:
    """Return the workspace's usage imports, newest first, with their project and uploader."""
    return UsageImport.objects.for_workspace(workspace).select_related(
        "project", "project__account", "uploaded_by"
    )


def usage_import_get(*, workspace: Workspace, import_id: int) -> UsageImport:
    return get_in_workspace(
        UsageImport.objects.select_related("project", "project__account", "uploaded_by"),
        workspace,
        import_id,
    )


def usage_import_progress(*, usage_import: UsageImport) -> int:
    """Return how far (percent) an import is: live from the cache while it is processed."""
    if usage_import.state == UsageImportState.PROCESSING:
        return cache.get(progress_cache_key(usage_import.pk), usage_import.progress)
    return usage_import.progress


@dataclass(frozen=True)
class Preview:
    header: list[str]
    rows: list[list[str]]
    error: str = ""


def usage_import_preview(*, usage_import: UsageImport) -> Preview:
    """Return the first rows of an upload that waits for its column mapping."""
    if not usage_import.file or not default_storage.exists(usage_import.file.name):
        return Preview(
            usage_import.header, [], "The uploaded file is no longer here: upload it again."
        )
    try:
        shape = uf.read_shape(
            lambda: default_storage.open(usage_import.file.name, "rb"),
            usage_import.file_name,
            preview_rows=PREVIEW_ROWS,
        )
    except uf.FileRefused as refused:
        return Preview(usage_import.header, [], refused.errors[0].message)
    width = len(shape.header)
    return Preview(shape.header, [(row + [""] * width)[:width] for row in shape.preview])


@dataclass(frozen=True)
class UsagePanel:
    window: UsageWindow
    months: list[UsageMonth]
    imports: list[UsageImport]


def usage_panel(*, project: Project) -> UsagePanel:
    """Return what the project page shows about usage: window, monthly series, recent imports."""
    imports = list(
        UsageImport.objects.filter(
            workspace_id=project.workspace_id, project=project
        ).select_related("uploaded_by")[:RECENT_IMPORTS]
    )
    return UsagePanel(
        window=usage_window_figures(project_ids=[project.pk])[project.pk],
        months=usage_monthly_series(project_ids=[project.pk])[project.pk],
        imports=imports,
    )
