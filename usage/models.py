"""Usage imports (uploaded files) and the pseudonymous usage events they load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from readiness.models import Project
from workspaces.models import Workspace, WorkspaceOwned

# --- Usage ---------------------------------------------------------------------------------


class UsageImportState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# How many line numbers a group of identical problems names before "and N more".
LINES_NAMED = 5


@dataclass(frozen=True)
class ProblemGroup:
    """Identical problems of a refused file: the same message in the same column, on `lines`."""

    column: str
    message: str
    lines: tuple[int, ...] = ()
    # How the file names the column when the column mapping chose another one ("“day” in the
    # file"), else empty.
    file_column: str = ""

    @property
    def where(self) -> str:
        """Return where the problems are ("Lines 3, 5 and 9, column date"), or "" for none."""
        if not self.column:
            return ""
        column = f"column {self.column}"
        if self.file_column:
            column += f" ({self.file_column})"
        if not self.lines:
            return "C" + column[1:]
        shown = [str(line) for line in self.lines[:LINES_NAMED]]
        more = len(self.lines) - len(shown)
        if more:
            numbers = f"s {', '.join(shown)} and {more} more"
        elif len(shown) > 1:
            numbers = f"s {', '.join(shown[:-1])} and {shown[-1]}"
        else:
            numbers = f" {shown[0]}"
        return f"Line{numbers}, {column}"


class UsageImport(WorkspaceOwned):
    """An uploaded usage file (CSV or XLSX) for one project, or workspace-wide by account.

    The file itself is kept under MEDIA_ROOT only until it is processed: it holds the raw user
    identifiers, which are stored nowhere else.
    """

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="usage_imports",
        help_text="Empty for a workspace-wide file, routed row by row with its account column.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="usage_imports/", blank=True, max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    # Canonical column (date, user, feature, count, account) -> position in the file's header.
    column_mapping = models.JSONField(default=dict, blank=True)
    header = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=12, choices=UsageImportState.choices, default=UsageImportState.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    project_count = models.PositiveIntegerField(default=0)
    # The first and last day of the imported rows, to point out imports that overlap.
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    # Which projects a workspace-wide file's rows went to, so the result can name them.
    projects = models.ManyToManyField(
        Project, blank=True, related_name="+", db_table="scoring_usageimport_projects"
    )
    error_count = models.PositiveIntegerField(default=0)
    # The first 100 errors: {"line": int | None, "column": str, "message": str}.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "scoring_usageimport"  # moved from scoring; the table keeps its name
        ordering = ["-created_at", "-id"]
        constraints = [
            # A failed import does not count, so the corrected file (or the same file after
            # adding a missing account) can be imported.
            models.UniqueConstraint(
                fields=["project", "sha256"],
                condition=Q(project__isnull=False) & ~Q(state="failed"),
                name="usage_import_unique_file_per_project",
            ),
            models.UniqueConstraint(
                fields=["workspace", "sha256"],
                condition=Q(project__isnull=True) & ~Q(state="failed"),
                name="usage_import_unique_file_per_workspace",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="usage_import_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def is_workspace_wide(self) -> bool:
        """Return whether the file routes its rows by account instead of going to one project."""
        return self.project_id is None

    @property
    def awaiting_confirmation(self) -> bool:
        """Return whether the upload still waits for its column mapping to be confirmed."""
        return self.state == UsageImportState.PENDING and self.queued_at is None

    @property
    def is_finished(self) -> bool:
        return self.state in (UsageImportState.DONE, UsageImportState.FAILED)

    @property
    def errors_not_shown(self) -> int:
        """Return how many errors were counted beyond the first ones kept."""
        return max(self.error_count - len(self.errors), 0)

    def problem_groups(self) -> list[ProblemGroup]:
        """Return the kept errors with identical ones together, in the order first seen.

        Errors of the same column with the same message form one group that names their lines.
        An error without a column (about the file as a whole, or a row of the wrong shape)
        names its line in its message, if it has one, and stays on its own.
        """
        lines: dict[tuple[str, str] | int, list[int]] = {}
        firsts: dict[tuple[str, str] | int, dict[str, Any]] = {}
        for position, error in enumerate(self.errors):
            column = error.get("column") or ""
            key: tuple[str, str] | int = (column, error["message"]) if column else position
            firsts.setdefault(key, error)
            if column and error.get("line") is not None:
                lines.setdefault(key, []).append(error["line"])
        return [
            ProblemGroup(
                column=error.get("column") or "",
                message=error["message"],
                lines=tuple(lines.get(key, ())),
                file_column=self._file_column(error.get("column") or ""),
            )
            for key, error in firsts.items()
        ]

    def _file_column(self, column: str) -> str:
        """Return how the file names `column` when the mapping chose another name, else ""."""
        index = (self.column_mapping or {}).get(column) if column else None
        if not isinstance(index, int) or not 0 <= index < len(self.header):
            return ""
        name = self.header[index]
        if not name:
            return f"the file's column {index + 1}, which has no name"
        return "" if name == column else f"“{name}” in the file"


class EventsBrinIndex(BrinIndex):
    """A BRIN index whose filled block ranges are summarized by autovacuum right away.

    A range without a summary is read by every query, and an import fills many: with
    `autosummarize` each full range is queued for the autovacuum worker as it fills, so the
    import itself does not wait (nor lock the table) to summarize. Other databases (SQLite)
    get a plain index on the same columns.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("autosummarize", True)
        super().__init__(*args, **kwargs)

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class UsageEvent(WorkspaceOwned):
    """One row of imported usage: a pseudonymous user used a feature on a day, `count` times.

    Rows are bulk-loaded by the million, so the table carries only what the usage windows
    need: one BRIN index on (project, day, import), no other index and no database-level
    foreign keys, whose per-row upkeep took longer than the rest of an import
    (docs/usage-imports.md).
    Only `usage_import_process` writes rows, with ids it has just read in the same
    transaction; deleting a project, workspace or import still deletes its events (Django's
    on_delete, one DELETE by foreign key).

    On PostgreSQL `id` has no unique index (migration 0003): events are never looked up one at
    a time, and the B-tree cost an import as much as the whole COPY. The identity column alone
    fills `id`, so it stays unique. A later migration that alters `id` must mind that the
    table has no primary-key constraint there.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="usage_events",
        db_index=False,
        db_constraint=False,
    )
    usage_import = models.ForeignKey(
        UsageImport,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    # The 4-byte columns side by side and `feature` last in the table (see the migration), so
    # that rows carry no alignment padding.
    day = models.DateField()
    count = models.PositiveIntegerField(default=1)
    # The first 8 bytes of HMAC-SHA256 of the normalized identifier under USAGE_PSEUDONYM_KEY
    # (`usage.files.user_key`), never the raw identifier.
    user_key = models.BigIntegerField()
    feature = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "scoring_usageevent"  # moved from scoring; the table keeps its name
        ordering = ["project", "day"]
        indexes = [
            # BRIN, not B-tree: events arrive an import at a time, so a block range holds one
            # project, one import and a few days; its upkeep is one summary per 128 pages
            # instead of one index entry per row (docs/usage-imports.md). Each column is
            # summarized on its own, so it serves the usage windows (project, day) and the
            # deletion of an import (usage_import) alike.
            EventsBrinIndex(fields=["project", "day", "usage_import"], name="usage_event_brin"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="usage_event_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_key:016x} {self.feature or '-'} x{self.count}"
