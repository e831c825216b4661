"""Usage imports, the scoring model and score snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from readiness.models import Project, Workspace, WorkspaceOwned

# --- Usage ---------------------------------------------------------------------------------


class UsageImportState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


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
    error_count = models.PositiveIntegerField(default=0)
    # The first 100 errors: {"line": int | None, "column": str, "message": str}.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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


class UsageEvent(WorkspaceOwned):
    """One row of imported usage: a pseudonymous user used a feature on a day, `count` times.

    Rows are bulk-loaded by the million, so the table carries only what the usage windows
    need: one index on (project, day), no other index and no database-level foreign keys,
    whose per-row upkeep took longer than the rest of an import (docs/usage-imports.md).
    Only `usage_import_process` writes rows, with ids it has just read in the same
    transaction; deleting a project, workspace or import still deletes its events (Django's
    on_delete).
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
    day = models.DateField()
    # HMAC-SHA256 (hex) of the normalized identifier under USAGE_PSEUDONYM_KEY, never the raw one.
    user_key = models.CharField(max_length=64)
    feature = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project", "day"]
        indexes = [
            models.Index(fields=["project", "day"], name="usage_event_project_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="usage_event_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_key[:8]} {self.feature or '-'} x{self.count}"
