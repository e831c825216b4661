"""The two ways a usage file becomes usage events: a COPY stream on PostgreSQL, batches elsewhere.

Both read the rows with the same reader and check them with the same rules
(`scoring/usage_files.py`, each distinct value of a column once), so they give identical events
and errors; they differ only in how the clean rows reach the database. Each runs inside the
caller's transaction and raises `FileRefused` when anything is wrong, so that the caller's
rollback leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection

from readiness.models import Account
from readiness.services import account_active_project
from scoring import usage_files as uf
from scoring.models import UsageEvent, UsageImport

BATCH_SIZE = 5000
# Each column's cache of checked values is emptied when it reaches this size, so that memory
# does not grow with the number of distinct users (or features, dates, counts) in a file.
KEY_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class LoadResult:
    total_rows: int
    imported_rows: int
    project_ids: tuple[int, ...]


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
        """Look up several external ids at once."""
        accounts = Account.objects.filter(
            workspace_id=self.workspace_id, external_id__in=external_ids
        )
        found = {account.external_id: account for account in accounts}
        for external_id in external_ids:
            account = found.get(external_id)
            if account is None:
                self.known[external_id] = False
            else:
                project = account_active_project(account=account)
                self.known[external_id] = project.pk if project else None


def _rows(
    shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> Iterator[tuple[int, list[str]]]:
    """Yield the data rows (after the header) as lists of the header's width; row n is line n+2."""
    width = len(shape.header)
    with open_file() as raw:
        if shape.kind == "xlsx":
            for number, cells in uf.xlsx_rows(raw):
                if number == 1:
                    continue
                # Spreadsheet row numbers are the lines; empty rows were skipped.
                yield number, (cells + [""] * width)[:width]
            return
        reader = uf.CheckedReader(raw, on_progress=progress)
        records = uf.csv_records(reader, shape.delimiter)
        next(records, None)
        for line, cells in enumerate(records, start=2):
            if len(cells) != width:
                raise uf.FileRefused.single(
                    uf.BAD_ROW_SHAPE.format(line=line, expected=width), line=line
                )
            yield line, cells


Check = Callable[[str], tuple[Any, str | None]]


class _CheckCache(dict):
    """A column's clean values by raw text: the rule runs on a value's first appearance.

    Only values that pass are kept here, so that a row of known values is looked up and
    nothing else; a value's problem is kept in `problems`. Both are emptied when full, so that
    memory stays bounded whatever the number of distinct values.
    """

    def __init__(self, check: Check, render: Callable[[Any], Any]) -> None:
        super().__init__()
        self.check = check
        self.render = render
        self.problems: dict[str, str] = {}

    def problem(self, raw: str) -> str | None:
        """Return what is wrong with `raw` (None when it is clean), checking it once."""
        if raw in self:
            return None
        if raw in self.problems:
            return self.problems[raw]
        value, message = self.check(raw)
        kept = self if message is None else self.problems
        if len(kept) >= KEY_CACHE_SIZE:
            kept.clear()
        kept[raw] = self.render(value) if message is None else message
        return message


def _same(value: Any) -> Any:
    return value


@dataclass
class _CheckedRows:
    """The clean rows of a file, checked with the rules of `usage_files` as they stream by.

    Iterating yields (project id, day, user key, feature, count) for each row as long as no
    row has failed; after a failure the rest is only checked, so that `errors` holds the first
    100 problems and `error_count` all of them. Each column's rule runs once per distinct raw
    value (values repeat a lot); the user's clean value is its pseudonymous key. With
    `copy_prefix` (PostgreSQL), each row comes instead as its line of COPY text format:
    `copy_prefix`, project id, day, count, user key, feature (each value rendered once per
    distinct value). `before_query` runs before an account is looked up in the database.
    """

    usage_import: UsageImport
    shape: uf.FileShape
    open_file: OpenFile
    progress: Progress
    copy_prefix: str | None = None
    before_query: Callable[[], None] = lambda: None
    total: int = 0
    errors: list[uf.RowError] = field(default_factory=list)
    error_count: int = 0
    project_ids: set[int] = field(default_factory=set)

    def checks(self) -> list[tuple[str, int | None, Check]]:
        """Return each column (in error order) with its position in the file and its rule."""
        key = uf.pseudonym_key()

        def check_user(raw: str) -> tuple[Any, str | None]:
            user, message = uf.check_user(raw)
            return (uf.user_key(user, key) if message is None else None), message

        mapping = self.usage_import.column_mapping
        checks = [
            ("date", mapping.get("date"), uf.check_date),
            ("user", mapping.get("user"), check_user),
            ("feature", mapping.get("feature"), uf.check_feature),
            ("count", mapping.get("count"), uf.check_count),
        ]
        if self.usage_import.is_workspace_wide:
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
        """Return how each column's clean value is kept: as is, or as COPY text."""
        prefix = self.copy_prefix
        if prefix is None:
            return [_same] * 5
        return [
            lambda day: day.isoformat(),
            str,
            _copy_text,
            str,
            lambda project: f"{prefix}{project}",
        ]

    def __iter__(self) -> Iterator[Any]:
        checks = self.checks()
        width = len(self.shape.header)
        # A column that the file does not have reads as the empty cell appended to each row.
        positions = [width if index is None else index for _column, index, _check in checks]
        renderers = self._renderers()
        caches = [
            _CheckCache(check, render)
            for (_column, _index, check), render in zip(checks, renderers, strict=False)
        ]
        dates, users, features, counts = caches[:4]
        at_date, at_user, at_feature, at_count = positions[:4]
        accounts, at_account = (caches[4], positions[4]) if len(caches) > 4 else (None, width)
        columns = list(zip(caches, positions, strict=True))
        if accounts is None:
            # One project for the whole file: every row's account cell (the empty one) maps to it.
            accounts = {"": renderers[4](self.usage_import.project_id)}
            self.project_ids.add(self.usage_import.project_id)
        as_text = self.copy_prefix is not None
        for line, cells in _rows(self.shape, self.open_file, self.progress):
            self.total += 1
            cells.append("")
            try:
                # The quick way: every value of the row was seen and is clean.
                project = accounts[cells[at_account]]
                day = dates[cells[at_date]]
                user = users[cells[at_user]]
                feature = features[cells[at_feature]]
                count = counts[cells[at_count]]
            except KeyError:
                messages = [cache.problem(cells[at]) for cache, at in columns]
                if any(messages):
                    self._fail(line, checks, messages)
                    continue
                # Clean: each value is in its column's cache now.
                project = accounts[cells[at_account]]
                day = dates[cells[at_date]]
                user = users[cells[at_user]]
                feature = features[cells[at_feature]]
                count = counts[cells[at_count]]
            if self.error_count:
                continue
            if as_text:
                yield f"{project}\t{day}\t{count}\t{user}\t{feature}\n"
            else:
                yield project, day, user, feature, count

    def _fail(
        self, line: int, checks: list[tuple[str, int | None, Check]], messages: list[str | None]
    ) -> None:
        for (column, _index, _check), message in zip(checks, messages, strict=False):
            if message is not None:
                self.error_count += 1
                if len(self.errors) < uf.MAX_SHOWN_ERRORS:
                    self.errors.append(uf.RowError(line, column, message))

    def refuse_if_failed(self) -> None:
        if self.error_count:
            raise uf.FileRefused(self.errors, count=self.error_count)
        if self.total == 0:
            raise uf.FileRefused.single(uf.HEADER_ONLY)


def load_batched(
    *, usage_import: UsageImport, shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> LoadResult:
    """Check the rows and insert them in batches with the ORM (SQLite and any other database)."""
    rows = _CheckedRows(usage_import, shape, open_file, progress)
    batch: list[UsageEvent] = []
    imported = 0
    for project_id, day, user_key, feature, count in rows:
        batch.append(
            UsageEvent(
                workspace_id=usage_import.workspace_id,
                project_id=project_id,
                usage_import_id=usage_import.pk,
                day=day,
                user_key=user_key,
                feature=feature,
                count=count,
            )
        )
        if len(batch) >= BATCH_SIZE:
            UsageEvent.objects.bulk_create(batch)
            imported += len(batch)
            batch = []
    rows.refuse_if_failed()
    UsageEvent.objects.bulk_create(batch)
    imported += len(batch)
    return LoadResult(rows.total, imported, tuple(sorted(rows.project_ids)))


# --- PostgreSQL ---------------------------------------------------------------------------

_COPY_EVENTS = (
    f"COPY {UsageEvent._meta.db_table} "
    "(workspace_id, usage_import_id, project_id, day, count, user_key, feature) FROM STDIN"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Rows sent to the server at once (about 100 bytes each).
_COPY_ROWS = 10_000


def _copy_text(value: str) -> str:
    """Return a text value escaped for COPY's text format."""
    return value.translate(_COPY_ESCAPES)


class _EventCopy:
    """One COPY of rows into the events table, paused whenever another statement must run."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.block: Any = None
        self.copy: Any = None
        self.lines: list[str] = []
        self.count = 0

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= _COPY_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        if self.copy is None:
            self.block = self.cursor.copy(_COPY_EVENTS)
            self.copy = self.block.__enter__()
        self.copy.write("".join(self.lines))
        self.count += len(self.lines)
        self.lines = []

    def pause(self, error: BaseException | None = None) -> None:
        """End the current COPY (a connection runs no other statement while a COPY is open)."""
        if error is None:
            self.flush()
        if self.block is not None:
            block, self.block, self.copy = self.block, None, None
            if error is None:
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
        events = _EventCopy(cursor)
        rows = _CheckedRows(
            usage_import,
            shape,
            open_file,
            progress,
            copy_prefix=f"{usage_import.workspace_id}\t{usage_import.pk}\t",
            before_query=events.pause,
        )
        try:
            for line in rows:
                events.write(line)
            events.pause()
        except BaseException as error:
            events.pause(error)
            raise
    rows.refuse_if_failed()
    return LoadResult(rows.total, events.count, tuple(sorted(rows.project_ids)))
