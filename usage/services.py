"""Every write of usage imports: uploads, column mappings, loading, discarding and deleting."""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from readiness.models import Project
from readiness.services import project_mark_for_recalculation
from usage import files as uf
from usage.loading import load
from usage.models import UsageImport, UsageImportState
from workspaces.events import event_emit
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "The import stopped because of an internal error, and nothing was imported. Try again; "
    "if it happens again, contact your administrator."
)
NOT_AWAITING = "This import has already started, so its columns can no longer change."
# An import confirmed this long ago that no worker has started is queued again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
NOT_STARTED = "This upload was never imported. Cancel it from its page to discard the file."
STILL_RUNNING = (
    "This import is still running. Wait until it has finished (this page shows when), then "
    "delete it."
)
STALLED = (
    "The import stopped without finishing (its worker was stopped or lost), and nothing was "
    "imported. Upload the file again."
)
CANCELLED = "You cancelled the import before it finished, and nothing was imported."
RUNNING_NOW = (
    "This import is being loaded right now and cannot be cancelled: it finishes, or fails "
    "with its reasons, by itself."
)
CHOOSE_COLUMN = "Choose the file's column that holds the {column}: it is required."
SAME_COLUMN_TWICE = "Choose a different file column for each of date, user, feature, count."


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
    """Delete an upload that was never started, with its stored file (once committed).

    An upload already discarded (a second click, the expiry task) is left alone.
    """
    usage_import = UsageImport.objects.select_for_update().filter(pk=usage_import.pk).first()
    if usage_import is None:
        return
    if not usage_import.awaiting_confirmation:
        raise ValidationError(NOT_AWAITING)
    _drop_file(usage_import)
    usage_import.delete()


@dataclass(frozen=True)
class DeletedImport:
    """What a deleted import was: its final state, rows and the projects it had fed."""

    state: str
    imported_rows: int
    project_ids: list[int]


@transaction.atomic
def usage_import_delete(*, usage_import: UsageImport) -> DeletedImport | None:
    """Delete a finished import with all its events; return what it was (None: already gone).

    The projects it fed are marked for recalculation in the same transaction, so that their
    usage figures and scores lose the import's rows. The same file can then be imported again.
    A running import holds its row locked for as long as it loads, so its state is read
    without a lock first and a running one refused at once; the lock of a finished one is
    only ever held briefly (by another deletion, say).
    """
    current = UsageImport.objects.filter(pk=usage_import.pk).first()
    if current is None:
        return None
    if current.awaiting_confirmation:
        raise ValidationError(NOT_STARTED)
    if not current.is_finished:
        raise ValidationError(STILL_RUNNING)
    locked = UsageImport.objects.select_for_update().filter(pk=current.pk).first()
    if locked is None:
        return None
    if not locked.is_finished:
        raise ValidationError(STILL_RUNNING)
    project_ids = set(locked.projects.values_list("pk", flat=True))
    if locked.state == UsageImportState.DONE and locked.project_id:
        project_ids.add(locked.project_id)
    deleted = DeletedImport(locked.state, locked.imported_rows, sorted(project_ids))
    locked.delete()
    for project_id in deleted.project_ids:
        project_mark_for_recalculation(project_id=project_id)
    return deleted


def usage_uploads_expire(*, older_than: datetime.timedelta | None = None) -> int:
    """Discard uploads whose columns nobody confirmed in time, with their stored files.

    An unconfirmed upload keeps the raw file (with its user identifiers) under MEDIA_ROOT;
    after USAGE_UPLOAD_EXPIRY_HOURS it is deleted. Return how many were discarded.
    """
    if older_than is None:
        older_than = datetime.timedelta(hours=settings.USAGE_UPLOAD_EXPIRY_HOURS)
    expired = UsageImport.objects.filter(
        state=UsageImportState.PENDING,
        queued_at__isnull=True,
        created_at__lt=timezone.now() - older_than,
    )
    discarded = 0
    for usage_import in expired.iterator():
        try:
            usage_import_discard(usage_import=usage_import)
        except ValidationError:
            continue  # started meanwhile
        discarded += 1
    return discarded


@transaction.atomic
def usage_import_start(
    *, usage_import: UsageImport, mapping: Mapping[str, int | None]
) -> UsageImport:
    """Confirm the column mapping and queue the import for processing."""
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
        cleaned["account"] = _own_account_column(usage_import.header, cleaned)
    required = uf.REQUIRED_COLUMNS
    if usage_import.is_workspace_wide:
        required = (*required, "account")
    for column in required:
        if cleaned[column] is None:
            raise ValidationError(CHOOSE_COLUMN.format(column=column))
    chosen = [index for index in cleaned.values() if index is not None]
    if len(chosen) != len(set(chosen)):
        raise ValidationError(SAME_COLUMN_TWICE)
    usage_import.column_mapping = cleaned
    usage_import.queued_at = timezone.now()
    usage_import.full_clean(validate_constraints=False)
    usage_import.save()
    transaction.on_commit(partial(_publish_import, usage_import.pk))
    return usage_import


def _publish_import(usage_import_id: int) -> None:
    """Queue an import's processing; with the broker down, leave it for the periodic requeue."""
    from usage.tasks import usage_import_process_task

    try:
        usage_import_process_task.delay(usage_import_id)
    except (BrokerError, RedisError, OSError) as error:
        logger.warning(
            "Could not enqueue usage import %s (%s); the periodic requeue will queue it again.",
            usage_import_id,
            type(error).__name__,
        )


def usage_imports_requeue(*, older_than: datetime.timedelta = REQUEUE_AFTER) -> int:
    """Queue again the imports confirmed a while ago that no worker has started.

    Their task was lost (the broker was down when the columns were confirmed, or the message
    went missing); processing twice is harmless. Return how many were queued.
    """
    stalled = UsageImport.objects.filter(
        state=UsageImportState.PENDING,
        queued_at__lt=timezone.now() - older_than,
    ).values_list("pk", flat=True)
    ids = list(stalled)
    for usage_import_id in ids:
        _publish_import(usage_import_id)
    return len(ids)


def usage_imports_fail_stalled(*, older_than: datetime.timedelta | None = None) -> int:
    """Fail the imports that started processing a while ago and whose worker is gone.

    A live worker holds its import's row locked for the whole load (its transaction is open
    until the rows are stored), so a row in "processing" that nobody holds has no worker: it
    was killed or lost with its machine, and its uncommitted rows with it. Such an import is
    failed with a message, which lets its page delete it and the same file be uploaded again.
    Return how many were failed.
    """
    if older_than is None:
        older_than = datetime.timedelta(minutes=settings.USAGE_IMPORT_STALL_MINUTES)
    candidates = list(
        UsageImport.objects.filter(
            state=UsageImportState.PROCESSING, started_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    failed = 0
    for usage_import_id in candidates:
        with transaction.atomic():
            stalled = (
                UsageImport.objects.select_for_update(skip_locked=True)
                .filter(pk=usage_import_id, state=UsageImportState.PROCESSING)
                .first()
            )
            if stalled is None:  # its worker is alive (the row is locked), or it finished
                continue
            logger.warning("Usage import %s stalled in processing; failing it.", usage_import_id)
            _fail_with(stalled, STALLED)
            failed += 1
    return failed


def usage_import_cancel(*, usage_import: UsageImport) -> UsageImport:
    """Cancel a queued or stalled import: it fails with nothing imported (safe to repeat).

    An import that a worker is loading right now cannot be cancelled (its row is locked).
    """
    try:
        with transaction.atomic():
            locked = UsageImport.objects.select_for_update(nowait=True).get(pk=usage_import.pk)
            if locked.is_finished:
                return locked
            if locked.awaiting_confirmation:
                raise ValidationError(NOT_STARTED)
            _fail_with(locked, CANCELLED)
            return locked
    except OperationalError:  # the row is locked: a worker is loading it
        raise ValidationError(RUNNING_NOW) from None


def _fail_with(usage_import: UsageImport, message: str) -> None:
    usage_import.state = UsageImportState.FAILED
    usage_import.errors = [uf.RowError(None, "", message).as_dict()]
    usage_import.error_count = 1
    usage_import.imported_rows = 0
    usage_import.finished_at = timezone.now()
    _drop_file(usage_import)
    usage_import.save()
    cache.delete(uf.progress_cache_key(usage_import.pk))


def _own_account_column(header: list[str], mapping: Mapping[str, int | None]) -> int | None:
    """Return where a project's file names the account of each row: its `account` column,
    unless that column was chosen to hold something else. Rows must name the project's own."""
    column = uf.default_mapping(header)["account"]
    taken = {mapping.get(name) for name in uf.COLUMNS if name != "account"}
    return None if column in taken else column


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
        cache.delete(uf.progress_cache_key(usage_import_id))
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
    usage_import.first_day, usage_import.last_day = result.first_day, result.last_day
    usage_import.errors = []
    usage_import.error_count = 0
    usage_import.finished_at = timezone.now()
    _drop_file(usage_import)
    usage_import.full_clean(validate_constraints=False)
    usage_import.save()
    usage_import.projects.set(result.project_ids)
    _emit_finished(usage_import)
    return usage_import


def _emit_finished(usage_import: UsageImport) -> None:
    """Announce a finished import (done or failed) once its transaction commits."""
    event_emit(
        workspace_id=usage_import.workspace_id,
        type="usage_import.finished",
        data={
            "usage_import": usage_import.pk,
            "project": usage_import.project_id,
            "file_name": usage_import.file_name,
            "state": usage_import.state,
            "imported_rows": usage_import.imported_rows,
            "error_count": usage_import.error_count,
        },
    )


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
    _emit_finished(usage_import)
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
        self.key = uf.progress_cache_key(usage_import.pk)
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
        usage_import.save(update_fields=["queued_at"])
    return usage_import_process(usage_import_id=usage_import.pk)
