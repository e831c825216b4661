"""Every write to usage imports and usage events goes through here."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from readiness.models import Project, Workspace
from readiness.services import project_mark_for_recalculation
from scoring import usage_files as uf
from scoring.models import UsageImport, UsageImportState
from scoring.usage_loading import load

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
INTERNAL_ERROR = (
    "The import stopped because of an internal error, and nothing was imported. Try again; "
    "if it happens again, contact your administrator."
)
NOT_AWAITING = "This import has already started, so its columns can no longer change."
SAME_COLUMN_TWICE = "Choose a different file column for each of date, user, feature, count."


def progress_cache_key(usage_import_id: int) -> str:
    return f"usage-import:{usage_import_id}:progress"


@transaction.atomic
def usage_import_create(
    *,
    workspace: Workspace,
    project: Project | None,
    uploaded_by: AbstractBaseUser | None,
    file_name: str,
    source: IO[bytes],
) -> UsageImport:
    """Store an uploaded usage file and read its header, ready for the column mapping.

    Raise ValidationError with a message for the user when the file cannot be imported: too
    large, not CSV or XLSX, empty, without header or rows, or already imported.
    """
    if project is not None and project.workspace_id != workspace.pk:
        raise ValueError("The project belongs to another workspace.")
    digest, size = _digest(source)
    limit = settings.USAGE_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(uf.TOO_LARGE.format(size=_megabytes(size), limit=_megabytes(limit)))
    if size == 0:
        raise ValidationError(uf.EMPTY_FILE)
    _refuse_duplicate(workspace=workspace, project=project, sha256=digest)
    suffix = PurePath(file_name).suffix.lower()[:10]
    source.seek(0)
    stored = default_storage.save(f"usage_imports/{uuid.uuid4().hex}{suffix}", File(source))
    try:
        shape = uf.read_shape(lambda: default_storage.open(stored, "rb"), file_name, preview_rows=1)
        if not shape.preview:
            raise uf.FileRefused.single(uf.HEADER_ONLY)
        usage_import = UsageImport(
            workspace=workspace,
            project=project,
            uploaded_by=uploaded_by,
            file_name=PurePath(file_name).name[:255],
            file_size=size,
            sha256=digest,
            header=shape.header,
            column_mapping=uf.default_mapping(shape.header),
        )
        usage_import.file.name = stored
        usage_import.full_clean(validate_constraints=False)
        with transaction.atomic():
            usage_import.save()
    except uf.FileRefused as refused:
        default_storage.delete(stored)
        raise ValidationError(refused.errors[0].message) from None
    except IntegrityError:
        default_storage.delete(stored)
        raise ValidationError(_duplicate_message(project)) from None
    except BaseException:
        default_storage.delete(stored)
        raise
    return usage_import


def _digest(source: IO[bytes]) -> tuple[str, int]:
    """Return the SHA-256 (hex) and size of a binary stream, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    source.seek(0)
    while chunk := source.read(uf.CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _duplicate_message(project: Project | None) -> str:
    target = f"the project “{project.name}”" if project is not None else "this workspace"
    return (
        f"This file was already imported into {target} (a file with the same SHA-256). "
        "Nothing was imported again."
    )


def _refuse_duplicate(*, workspace: Workspace, project: Project | None, sha256: str) -> None:
    """Refuse a file already imported to the same target; drop an unconfirmed earlier upload."""
    earlier = UsageImport.objects.filter(workspace=workspace, sha256=sha256).exclude(
        state=UsageImportState.FAILED
    )
    earlier = earlier.filter(project=project) if project else earlier.filter(project=None)
    for usage_import in earlier.select_for_update():
        if usage_import.awaiting_confirmation:
            # An upload that nobody confirmed is replaced, not counted as an import.
            usage_import_discard(usage_import=usage_import)
        else:
            raise ValidationError(_duplicate_message(project))


@transaction.atomic
def usage_import_discard(*, usage_import: UsageImport) -> None:
    """Delete an upload that was never started, with its stored file."""
    if not usage_import.awaiting_confirmation:
        raise ValidationError(NOT_AWAITING)
    if usage_import.file:
        default_storage.delete(usage_import.file.name)
    usage_import.delete()


@transaction.atomic
def usage_import_start(
    *, usage_import: UsageImport, mapping: Mapping[str, int | None]
) -> UsageImport:
    """Confirm the column mapping and queue the import for processing."""
    from scoring.tasks import usage_import_process_task

    usage_import = UsageImport.objects.select_for_update().get(pk=usage_import.pk)
    if not usage_import.awaiting_confirmation:
        raise ValidationError(NOT_AWAITING)
    width = len(usage_import.header)
    cleaned = {
        column: mapping.get(column)
        if mapping.get(column) is not None and 0 <= mapping[column] < width
        else None
        for column in uf.COLUMNS
    }
    if not usage_import.is_workspace_wide:
        cleaned["account"] = None
    try:
        uf.check_mapping(cleaned, workspace_wide=usage_import.is_workspace_wide)
    except uf.FileRefused as refused:
        raise ValidationError(refused.errors[0].message) from None
    chosen = [index for index in cleaned.values() if index is not None]
    if len(chosen) != len(set(chosen)):
        raise ValidationError(SAME_COLUMN_TWICE)
    usage_import.column_mapping = cleaned
    usage_import.queued_at = timezone.now()
    usage_import.full_clean(validate_constraints=False)
    usage_import.save()
    usage_import_process_task.delay_on_commit(usage_import.pk)
    return usage_import


def usage_import_process(*, usage_import_id: int) -> UsageImport:
    """Validate and store a queued import's rows, all or nothing; safe to run twice."""
    with transaction.atomic():
        usage_import = UsageImport.objects.select_for_update().get(pk=usage_import_id)
        if usage_import.is_finished or usage_import.queued_at is None:
            return usage_import
        usage_import.state = UsageImportState.PROCESSING
        usage_import.started_at = timezone.now()
        usage_import.save(update_fields=["state", "started_at"])
    reporter = _ProgressReporter(usage_import)
    try:
        with transaction.atomic():
            # A second run waits here for the first; it then finds the import finished.
            usage_import = UsageImport.objects.select_for_update().get(pk=usage_import_id)
            if usage_import.is_finished:
                return usage_import
            usage_import = _store_events(usage_import, reporter)
    except uf.FileRefused as refused:
        usage_import = _finish_failed(usage_import_id, refused.errors, refused.count)
    except Exception as error:
        # The database's own messages can quote a row (and its raw identifier): log the kind only.
        logger.error("Usage import %s failed with %s", usage_import_id, type(error).__name__)
        usage_import = _finish_failed(usage_import_id, [uf.RowError(None, "", INTERNAL_ERROR)], 1)
    finally:
        cache.delete(progress_cache_key(usage_import_id))
    return usage_import


def _store_events(usage_import: UsageImport, reporter: _ProgressReporter) -> UsageImport:
    """Load the rows and mark the affected projects, inside the caller's transaction."""
    storage_name = usage_import.file.name

    def open_file() -> IO[bytes]:
        return default_storage.open(storage_name, "rb")

    shape = uf.read_shape(open_file, usage_import.file_name)
    if shape.header != usage_import.header:
        raise uf.FileRefused.single(uf.NO_HEADER)
    result = load(
        usage_import=usage_import, shape=shape, open_file=open_file, progress=reporter.bytes_read
    )
    reporter.set(95)
    for project_id in result.project_ids:
        project_mark_for_recalculation(project_id=project_id)
    usage_import.state = UsageImportState.DONE
    usage_import.progress = 100
    usage_import.total_rows = result.total_rows
    usage_import.imported_rows = result.imported_rows
    usage_import.project_count = len(result.project_ids)
    usage_import.errors = []
    usage_import.error_count = 0
    usage_import.finished_at = timezone.now()
    _drop_file(usage_import)
    usage_import.full_clean(validate_constraints=False)
    usage_import.save()
    return usage_import


@transaction.atomic
def _finish_failed(usage_import_id: int, errors: list[uf.RowError], count: int) -> UsageImport:
    usage_import = UsageImport.objects.select_for_update().get(pk=usage_import_id)
    usage_import.state = UsageImportState.FAILED
    usage_import.errors = [error.as_dict() for error in errors[: uf.MAX_SHOWN_ERRORS]]
    usage_import.error_count = count
    usage_import.imported_rows = 0
    usage_import.finished_at = timezone.now()
    _drop_file(usage_import)
    usage_import.save()
    return usage_import


def _drop_file(usage_import: UsageImport) -> None:
    """Delete the stored file: it holds raw user identifiers, which are kept nowhere."""
    if usage_import.file:
        name = usage_import.file.name
        transaction.on_commit(lambda: default_storage.delete(name))
        usage_import.file = ""


class _ProgressReporter:
    """Publish an import's progress (percent) in the cache, which other processes can read
    while the import's own transaction is still open."""

    def __init__(self, usage_import: UsageImport) -> None:
        self.key = progress_cache_key(usage_import.pk)
        self.size = max(usage_import.file_size, 1)
        self.last = -1
        self.set(1)

    def set(self, percent: int) -> None:
        if percent != self.last:
            self.last = percent
            cache.set(self.key, percent, timeout=24 * 3600)

    def bytes_read(self, count: int) -> None:
        # Reading the file is most of the work; the last tenth is validation and storing.
        self.set(min(90, 1 + int(89 * count / self.size)))


def usage_import_run_now(
    *,
    workspace: Workspace,
    project: Project | None,
    file_name: str,
    source: IO[bytes],
    uploaded_by: AbstractBaseUser | None = None,
) -> UsageImport:
    """Create and process an import at once with the file's own column names (command, seed)."""
    usage_import = usage_import_create(
        workspace=workspace,
        project=project,
        uploaded_by=uploaded_by,
        file_name=file_name,
        source=source,
    )
    try:
        uf.check_mapping(usage_import.column_mapping, workspace_wide=project is None)
    except uf.FileRefused as refused:
        usage_import_discard(usage_import=usage_import)
        raise ValidationError(refused.errors[0].message) from None
    with transaction.atomic():
        usage_import = UsageImport.objects.select_for_update().get(pk=usage_import.pk)
        usage_import.queued_at = timezone.now()
        if project is not None:
            usage_import.column_mapping = {**usage_import.column_mapping, "account": None}
        usage_import.save(update_fields=["queued_at", "column_mapping"])
    return usage_import_process(usage_import_id=usage_import.pk)
