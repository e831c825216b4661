"""Reads of usage imports and usage figures, always scoped to one workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet

from readiness.models import Project
from readiness.selectors import get_in_workspace
from usage import files as uf
from usage.files import PREVIEW_ROWS, progress_cache_key
from usage.metrics import UsageMonth, UsageWindow, usage_monthly_series, usage_window_figures
from usage.models import UsageImport, UsageImportState
from workspaces.models import Workspace

RECENT_IMPORTS = 5


def _imports_that_fed(imports: QuerySet[UsageImport], project: Project) -> QuerySet[UsageImport]:
    """Keep the imports of `project` itself and the workspace-wide ones with rows for it."""
    workspace_wide = UsageImport.objects.filter(projects=project).values("pk")
    return imports.filter(Q(project=project) | Q(pk__in=workspace_wide))


def usage_import_list(
    *, workspace: Workspace, project: Project | None = None
) -> QuerySet[UsageImport]:
    """Return the workspace's usage imports, newest first, with their project and uploader.

    With `project`, only the imports that fed it: its own files, and the workspace-wide files
    that routed rows to it. One query whatever the number of imports.
    """
    imports = UsageImport.objects.for_workspace(workspace).select_related(
        "project", "project__account", "uploaded_by"
    )
    if project is not None:
        imports = _imports_that_fed(imports, project)
    return imports.order_by("-created_at", "-id")


def usage_import_get(*, workspace: Workspace, import_id: int) -> UsageImport:
    return get_in_workspace(
        UsageImport.objects.select_related(
            "project", "project__account", "uploaded_by"
        ).prefetch_related("projects__account"),
        workspace,
        import_id,
    )


def usage_import_progress(*, usage_import: UsageImport) -> int:
    """Return how far (percent) an import is: live from the cache while it is processed."""
    if usage_import.state == UsageImportState.PROCESSING:
        return cache.get(progress_cache_key(usage_import.pk), usage_import.progress)
    return usage_import.progress


def usage_import_overlaps(*, usage_import: UsageImport, limit: int = 5) -> list[UsageImport]:
    """Return other finished imports that gave one of the import's projects rows of the same
    days: the same usage imported twice (a copy with other line endings, say) would count
    its events twice, so the import page points them out."""
    if usage_import.state != UsageImportState.DONE or usage_import.first_day is None:
        return []
    overlapping = (
        UsageImport.objects.filter(
            workspace_id=usage_import.workspace_id,
            state=UsageImportState.DONE,
            projects__in=usage_import.projects.all(),
            first_day__lte=usage_import.last_day,
            last_day__gte=usage_import.first_day,
        )
        .exclude(pk=usage_import.pk)
        .distinct()
        .order_by("created_at")
    )
    return list(overlapping[:limit])


@dataclass(frozen=True)
class Preview:
    header: list[str]
    rows: list[list[str]]
    error: str = ""
    # The analytics export the file was recognized as ("Amplitude export"), if any.
    format_label: str = ""


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
    return Preview(
        shape.header,
        [(row + [""] * width)[:width] for row in shape.preview],
        format_label=shape.format_label,
    )


@dataclass(frozen=True)
class UsagePanel:
    window: UsageWindow
    months: list[UsageMonth]
    imports: list[UsageImport]


def usage_panel(*, project: Project) -> UsagePanel:
    """Return what the project page shows about usage: window, monthly series, recent imports.

    The recent imports include the workspace-wide files that routed rows to the project.
    """
    imports = list(
        _imports_that_fed(
            UsageImport.objects.filter(workspace_id=project.workspace_id), project
        ).order_by("-created_at", "-id")[:RECENT_IMPORTS]
    )
    return UsagePanel(
        window=usage_window_figures(project_ids=[project.pk])[project.pk],
        months=usage_monthly_series(project_ids=[project.pk])[project.pk],
        imports=imports,
    )
