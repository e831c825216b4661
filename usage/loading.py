"""The two ways a usage file becomes usage events: a COPY stream on PostgreSQL, batches elsewhere.

Both read the rows with the same reader, in blocks of rows held by column, and check them with
the same rules (`scoring/usage_files.py`, each distinct value of a column once), so they give
identical events and errors; they differ only in how the clean rows reach the database. Each
runs inside the caller's transaction and raises `FileRefused` when anything is wrong, so that
the caller's rollback leaves nothing behind.
"""

from __future__ import annotations

import datetime
import itertools
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection
from django.db.models.functions import Lower

from readiness.models import Account
from readiness.services import account_active_project
from usage import files as uf
from usage.models import UsageEvent, UsageImport

BATCH_SIZE = 5000
# Each column's cache of checked values is emptied when it would outgrow this size, so that
# memory does not grow with the number of distinct users (or features, dates, counts) in a
# file. A block's distinct values must fit, so it is at least a block's rows.
KEY_CACHE_SIZE = max(50_000, uf.BLOCK_ROWS)


@dataclass(frozen=True)
class LoadResult:
    total_rows: int
    imported_rows: int
    project_ids: tuple[int, ...]
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None


OpenFile = Callable[[], IO[bytes]]
Progress = Callable[[int], None]


def load(
    *, usage_import: UsageImport, shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> LoadResult:
    """Load the file's rows as events of `usage_import` with the fastest path the database has."""
    if connection.vendor == "postgresql":
        return load_postgres(
            usage_import=usage_import, shape=shape, open_file=open_file, progress=progress
        )
    return load_batched(
        usage_import=usage_import, shape=shape, open_file=open_file, progress=progress
    )


class AccountRouter:
    """Answer the active project of an account external id, asking each account once."""

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.known: dict[str, int | None | bool] = {}

    def __call__(self, external_id: str) -> int | None | bool:
        if external_id not in self.known:
            self.resolve([external_id])
        return self.known[external_id]

    def resolve(self, external_ids: list[str]) -> None:
        """Look up several external ids at once, in any case (they are unique regardless)."""
        accounts = Account.objects.annotate(key=Lower("external_id")).filter(
            workspace_id=self.workspace_id, key__in=[value.lower() for value in external_ids]
        )
        found = {account.key: account for account in accounts}
        for external_id in external_ids:
            account = found.get(external_id.lower())
            if account is None:
                self.known[external_id] = False
            else:
                project = account_active_project(account=account)
                self.known[external_id] = project.pk if project else None


def _blocks(shape: uf.FileShape, open_file: OpenFile, progress: Progress) -> Iterator[uf.RowBlock]:
    """Yield the file's data rows in blocks (see `usage_files.RowBlock`)."""
    width = len(shape.header)
    with open_file() as raw:
        if shape.kind == "jsonl":
            for block in uf.jsonl_blocks(raw, shape.format, width):
                progress(raw.tell())
                yield block
        elif shape.kind == "xlsx":
            for block in uf.xlsx_blocks(raw, width):
                # openpyxl reads the sheet from the file as it goes: where the file is read up
                # to is how far the import is.
                progress(raw.tell())
                yield block
        else:
            reader = uf.CheckedReader(raw, on_progress=progress)
            yield from uf.csv_blocks(reader, shape.delimiter, width)


Check = Callable[[str], tuple[Any, str | None]]


class _CheckCache(dict):
    """A column's clean values by raw text: the rule runs on a value's first appearance.

    Only values that pass are kept here, so that a block of known values is one lookup per
    cell and nothing else; a value's problem is kept in `problems`. Both are emptied when they
    would outgrow KEY_CACHE_SIZE, so that memory stays bounded whatever the number of distinct
    values.
    """

    def __init__(self, check: Check, render: Callable[[Any], Any]) -> None:
        super().__init__()
        self.check = check
        self.render = render
        self.problems: dict[str, str] = {}

    def clean(self, column: Sequence[str]) -> list[Any] | None:
        """Return the clean (rendered) value of each cell, or None when any cell has a problem.

        Afterwards each distinct value of `column` is either here or in `problems`.
        """
        if isinstance(column, uf.SameCells):
            return self.clean_repeated(column.text, len(column))
        try:
            return list(map(self.__getitem__, column))
        except KeyError:
            pass
        unseen = set(column).difference(self)
        if len(self) + len(unseen) > KEY_CACHE_SIZE:
            self.clear()
            unseen = set(column)
        if len(self.problems) + len(unseen) > KEY_CACHE_SIZE:
            self.problems.clear()
        failed = False
        for raw in unseen:
            if self.problem(raw) is not None:
                failed = True
        return None if failed else list(map(self.__getitem__, column))

    def clean_repeated(self, raw: str, size: int) -> list[Any] | None:
        """Return what `clean` returns for `size` cells of `raw` (a column the file lacks)."""
        if self.problem(raw) is not None:
            return None
        return [self[raw]] * size

    def problem(self, raw: str) -> str | None:
        """Return what is wrong with `raw` (None when it is clean), checking it once."""
        if raw in self:
            return None
        if raw in self.problems:
            return self.problems[raw]
        value, message = self.check(raw)
        if message is None:
            self[raw] = self.render(value)
        else:
            self.problems[raw] = message
        return message


def _same(value: Any) -> Any:
    return value


@dataclass
class _CheckedRows:
    """The clean rows of a file, checked with the rules of `usage_files` as they stream by.

    Iterating yields, for each block of rows (as long as no row has failed), the clean values
    by column: project, day, count, user key, feature. After a failure the rest is only
    checked, so that `errors` holds the first 100 problems and `error_count` all of them. Each
    column's rule runs once per distinct raw value (values repeat a lot). With `binary`
    (PostgreSQL) each value comes as its field of COPY's binary format, and each project as
    the start of a row (`_binary_row_start`). `before_query` runs before an account is looked
    up in the database.
    """

    usage_import: UsageImport
    shape: uf.FileShape
    open_file: OpenFile
    progress: Progress
    binary: bool = False
    before_query: Callable[[], None] = lambda: None
    total: int = 0
    errors: list[uf.RowError] = field(default_factory=list)
    error_count: int = 0
    project_ids: set[int] = field(default_factory=set)
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None

    def checks(self) -> list[tuple[str, int | None, Check]]:
        """Return each column (in error order) with its position in the file and its rule.

        A file for one project has no account column: every row's (empty) account cell
        stands for the import's project.
        """
        key = uf.pseudonym_key()

        def check_user(raw: str) -> tuple[Any, str | None]:
            user, message = uf.check_user(raw)
            return (uf.user_key(user, key) if message is None else None), message

        def check_date(raw: str) -> tuple[Any, str | None]:
            day, message = uf.check_date(raw)
            if message is None:
                self.first_day = day if self.first_day is None else min(self.first_day, day)
                self.last_day = day if self.last_day is None else max(self.last_day, day)
            return day, message

        mapping = self.usage_import.column_mapping
        checks = [
            ("date", mapping.get("date"), check_date),
            ("user", mapping.get("user"), check_user),
            ("feature", mapping.get("feature"), uf.check_feature),
            ("count", mapping.get("count"), uf.check_count),
        ]
        if not self.usage_import.is_workspace_wide:
            # Rows go to the import's project; an `account` column, when the file has one, must
            # name that project's account (or nothing), so that another account's usage is not
            # counted here.
            project_id = self.usage_import.project_id
            own = Account.objects.get(projects=project_id).external_id
            self.project_ids.add(project_id)
            checks.append(
                (
                    "account",
                    mapping.get("account"),
                    lambda raw: uf.check_own_account(raw, own, project_id),
                )
            )
            return checks
        router = AccountRouter(self.usage_import.workspace_id)

        def check_account(raw: str) -> tuple[Any, str | None]:
            if raw.strip(uf.STRIP_CHARS) not in router.known:
                self.before_query()
            value, message = uf.check_account(raw, router)
            if message is None:
                self.project_ids.add(value)
            return value, message

        checks.append(("account", mapping.get("account"), check_account))
        return checks

    def _renderers(self) -> list[Callable[[Any], Any]]:
        """Return how each column's clean value is kept: as the database driver takes it, or as
        COPY binary fields."""
        if not self.binary:
            return [connection.ops.adapt_datefield_value, _same, _same, _same, _same]
        row_start = _binary_row_start(self.usage_import)
        return [
            _binary_date,
            _binary_int8,
            _binary_text,
            _binary_int4,
            lambda project: row_start + _binary_int8(project),
        ]

    def __iter__(self) -> Iterator[list[list[Any]]]:
        checks = self.checks()
        caches = [
            _CheckCache(check, render)
            for (_column, _index, check), render in zip(checks, self._renderers(), strict=True)
        ]
        width = len(self.shape.header)
        # A column that the file does not have reads as the empty cells appended to a block.
        positions = [width if index is None else index for _column, index, _check in checks]
        for block in _blocks(self.shape, self.open_file, self.progress):
            size = len(block.lines)
            self.total += size
            columns = [*block.columns, [""] * size]
            values = [
                cache.clean(columns[at]) if at < width else cache.clean_repeated("", size)
                for cache, at in zip(caches, positions, strict=True)
            ]
            if any(column is None for column in values):
                self._fail(block.lines, [columns[at] for at in positions], checks, caches)
                continue
            if self.error_count:
                continue
            day, user, feature, count, project = values
            yield [project, day, count, user, feature]

    def _fail(
        self,
        lines: Sequence[int],
        columns: list[Sequence[str]],
        checks: list[tuple[str, int | None, Check]],
        caches: list[_CheckCache],
    ) -> None:
        """Count the block's problems and keep the first ones, in line and column order."""
        names = [column for column, _index, _check in checks]
        for row, line in enumerate(lines):
            if len(self.errors) >= uf.MAX_SHOWN_ERRORS:
                break
            for name, cells, cache in zip(names, columns, caches, strict=True):
                message = cache.problems.get(cells[row])
                if message is not None and len(self.errors) < uf.MAX_SHOWN_ERRORS:
                    self.errors.append(uf.RowError(line, name, message))
        self.error_count += sum(
            sum(map(cache.problems.__contains__, cells))
            for cells, cache in zip(columns, caches, strict=True)
        )

    def result(self, imported: int) -> LoadResult:
        return LoadResult(
            self.total, imported, tuple(sorted(self.project_ids)), self.first_day, self.last_day
        )

    def refuse_if_failed(self) -> None:
        if self.error_count:
            raise uf.FileRefused(self.errors, count=self.error_count)
        if self.total == 0:
            raise uf.FileRefused.single(uf.HEADER_ONLY)


def load_batched(
    *, usage_import: UsageImport, shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> LoadResult:
    """Check the rows and insert them in batches (SQLite and any other database).

    One `executemany` per batch of plain tuples: building a model instance per row for
    `bulk_create` took ten times longer than the insert itself.
    """
    rows = _CheckedRows(usage_import, shape, open_file, progress)
    table = connection.ops.quote_name(UsageEvent._meta.db_table)
    insert = (
        f"INSERT INTO {table} (workspace_id, usage_import_id, project_id, day, count, "
        "user_key, feature) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    workspace_id, import_id = usage_import.workspace_id, usage_import.pk
    imported = 0
    with connection.cursor() as cursor:
        for projects, days, counts, user_keys, features in rows:
            values = zip(
                itertools.repeat(workspace_id),
                itertools.repeat(import_id),
                projects,
                days,
                counts,
                user_keys,
                features,
            )
            while batch := list(itertools.islice(values, BATCH_SIZE)):
                cursor.executemany(insert, batch)
                imported += len(batch)
    rows.refuse_if_failed()
    return rows.result(imported)


# --- PostgreSQL ---------------------------------------------------------------------------

_COPY_EVENTS = (
    f"COPY {UsageEvent._meta.db_table} "
    "(workspace_id, usage_import_id, project_id, day, count, user_key, feature) "
    "FROM STDIN (FORMAT binary)"
)
# COPY's binary format: a signature, flags and header extension, then per row the number of
# fields and each field as its length and its bytes in network order; -1 ends the data.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)
_BINARY_FIELDS = 7
_POSTGRES_EPOCH = datetime.date(2000, 1, 1).toordinal()


def _binary_int4(value: int) -> bytes:
    return struct.pack("!ii", 4, value)


def _binary_int8(value: int) -> bytes:
    return struct.pack("!iq", 8, value)


def _binary_date(day: datetime.date) -> bytes:
    """Return a date field: its days since 2000-01-01."""
    return _binary_int4(day.toordinal() - _POSTGRES_EPOCH)


def _binary_text(value: str) -> bytes:
    encoded = value.encode()
    return struct.pack("!i", len(encoded)) + encoded


def _binary_row_start(usage_import: UsageImport) -> bytes:
    """Return what starts every row of the import: the field count, workspace and import."""
    return (
        struct.pack("!h", _BINARY_FIELDS)
        + _binary_int8(usage_import.workspace_id)
        + _binary_int8(usage_import.pk)
    )


class _EventCopy:
    """One binary COPY into the events table, paused whenever another statement must run.

    A block is sent as one buffer; the server stores it while the next block is read and
    checked. (psycopg's queued writer, which sends from a thread, measured no faster.)
    """

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.block: Any = None
        self.copy: Any = None
        self.count = 0

    def write(self, data: bytes, rows: int) -> None:
        if self.copy is None:
            self.block = self.cursor.copy(_COPY_EVENTS)
            self.copy = self.block.__enter__()
            self.copy.write(_BINARY_HEADER)
        self.copy.write(data)
        self.count += rows

    def pause(self, error: BaseException | None = None) -> None:
        """End the current COPY (a connection runs no other statement while a COPY is open)."""
        if self.block is not None:
            block, copy, self.block, self.copy = self.block, self.copy, None, None
            if error is None:
                copy.write(_BINARY_TRAILER)
                block.__exit__(None, None, None)
            else:
                block.__exit__(type(error), error, error.__traceback__)


def load_postgres(
    *, usage_import: UsageImport, shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> LoadResult:
    """Check the rows as they stream and COPY the clean ones straight into the events table.

    Nothing is staged and nothing is read whole into memory; when a row fails, the rows
    already sent are undone by the caller's rollback.
    """
    with connection.cursor() as cursor:
        events = _EventCopy(cursor.cursor)
        rows = _CheckedRows(
            usage_import, shape, open_file, progress, binary=True, before_query=events.pause
        )
        try:
            for columns in rows:
                if usage_import.is_workspace_wide:
                    data = b"".join(itertools.chain.from_iterable(zip(*columns, strict=True)))
                else:
                    # One project: every row starts alike, and joining with that start as the
                    # separator is about a third quicker.
                    start = columns[0][0]
                    data = start + start.join(map(b"".join, zip(*columns[1:], strict=True)))
                events.write(data, len(columns[0]))
            events.pause()
        except BaseException as error:
            events.pause(error)
            raise
    rows.refuse_if_failed()
    return rows.result(events.count)
