"""The two ways a usage file becomes usage events: COPY and SQL on PostgreSQL, batches elsewhere.

Both apply the rules of `scoring/usage_files.py` and give identical events and errors. Each
runs inside the caller's transaction and raises `FileRefused` when anything is wrong, so that
the caller's rollback leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db import connection

from readiness.models import Account
from readiness.services import account_active_project
from scoring import usage_files as uf
from scoring.models import UsageEvent, UsageImport

BATCH_SIZE = 5000
# Bounded so that memory does not grow with the number of distinct users in a file.
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


def load_batched(
    *, usage_import: UsageImport, shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> LoadResult:
    """Validate and insert the rows in batches with the ORM (SQLite and any other database)."""
    mapping = {column: index for column, index in usage_import.column_mapping.items()}
    positions = [(column, index) for column, index in mapping.items() if index is not None]
    router = AccountRouter(usage_import.workspace_id) if usage_import.is_workspace_wide else None
    key = uf.pseudonym_key()
    keys: dict[str, str] = {}
    errors: list[uf.RowError] = []
    error_count = 0
    batch: list[UsageEvent] = []
    total = imported = 0
    project_ids: set[int] = set()
    for line, cells in _rows(shape, open_file, progress):
        total += 1
        values = {column: cells[index] for column, index in positions}
        row, row_errors = uf.check_row(line, values, router)
        if row_errors:
            error_count += len(row_errors)
            errors.extend(row_errors[: uf.MAX_SHOWN_ERRORS - len(errors)])
        if row is None or error_count:
            continue
        user_key = keys.get(row.user)
        if user_key is None:
            if len(keys) >= KEY_CACHE_SIZE:
                keys.clear()
            user_key = keys[row.user] = uf.user_key(row.user, key)
        project_id = router(row.account) if router is not None else usage_import.project_id
        project_ids.add(project_id)
        batch.append(
            UsageEvent(
                workspace_id=usage_import.workspace_id,
                project_id=project_id,
                usage_import_id=usage_import.pk,
                day=row.day,
                user_key=user_key,
                feature=row.feature,
                count=row.count,
            )
        )
        if len(batch) >= BATCH_SIZE:
            UsageEvent.objects.bulk_create(batch)
            imported += len(batch)
            batch = []
    if error_count:
        raise uf.FileRefused(errors, count=error_count)
    if total == 0:
        raise uf.FileRefused.single(uf.HEADER_ONLY)
    UsageEvent.objects.bulk_create(batch)
    imported += len(batch)
    return LoadResult(total, imported, tuple(sorted(project_ids)))


# --- PostgreSQL ---------------------------------------------------------------------------

_DELIMITER_SQL = {",": "','", ";": "';'", "\t": "E'\\t'"}
_LINE_IN_CONTEXT = re.compile(r"\bline (\d+)")
# Column, SQL type of its clean value, position in error order.
_LOOKUPS = (("date", "date"), ("user", "text"), ("feature", "text"), ("count", "integer"))
_FETCH_SIZE = 10_000


def load_postgres(
    *, usage_import: UsageImport, shape: uf.FileShape, open_file: OpenFile, progress: Progress
) -> LoadResult:
    """COPY the file into a temporary staging table, then validate and move it in SQL.

    The row rules run once per distinct value of each column (dates, users, features and
    counts repeat a lot), into lookup tables of clean values and messages; joins then check
    and move every row in one INSERT ... SELECT. Nothing is read whole into memory.
    """
    width = len(shape.header)
    tag = usage_import.pk
    staging = f"usage_staging_{tag}"
    columns = [f"c{index}" for index in range(width)]
    mapping = usage_import.column_mapping
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {staging} (line bigint GENERATED BY DEFAULT AS IDENTITY "
            f"(START WITH 2), {', '.join(f'{c} text' for c in columns)}) ON COMMIT DROP"
        )
        _copy_file(cursor, staging, columns, shape, open_file, progress)
        cursor.execute(f"SELECT count(*) FROM {staging}")
        total = cursor.fetchone()[0]
        if total == 0:
            raise uf.FileRefused.single(uf.HEADER_ONLY)

        checks = {
            "date": uf.check_date,
            "user": _user_key_check(),
            "feature": uf.check_feature,
            "count": uf.check_count,
        }
        lookups = [(column, sql_type) for column, sql_type in _LOOKUPS]
        if usage_import.is_workspace_wide:
            router = AccountRouter(usage_import.workspace_id)
            checks["account"] = lambda raw: uf.check_account(raw, router)
            lookups.append(("account", "bigint"))
        joins, errors_sql, values = [], [], {}
        for position, (column, sql_type) in enumerate(lookups):
            if mapping.get(column) is None:
                continue
            lookup = f"usage_lookup_{column}_{tag}"
            raw = f"coalesce(s.c{mapping[column]}, '')"
            _fill_lookup(cursor, staging, raw, lookup, sql_type, checks[column])
            joins.append(f"JOIN {lookup} l_{column} ON l_{column}.raw = {raw}")
            values[column] = f"l_{column}.value"
            errors_sql.append(
                f"SELECT s.line, {position} AS position, '{column}' AS col, "
                f"l_{column}.error AS message FROM {staging} s "
                f"JOIN {lookup} l_{column} ON l_{column}.raw = {raw} "
                f"WHERE l_{column}.error IS NOT NULL"
            )
        progress_done = usage_import.file_size
        progress(progress_done)
        cursor.execute(
            f"""
            INSERT INTO scoring_usageevent
                (workspace_id, project_id, usage_import_id, day, user_key, feature, count)
            SELECT %s, {values.get("account", "%s")}, %s, l_date.value, l_user.value,
                   {values.get("feature", "''")}, {values.get("count", "1")}
            FROM {staging} s {" ".join(joins)}
            WHERE {" AND ".join(f"l_{column}.error IS NULL" for column in values)}
            """,
            [usage_import.workspace_id]
            + ([] if "account" in values else [usage_import.project_id])
            + [usage_import.pk],
        )
        imported = cursor.rowcount
        if imported != total:
            cursor.execute(
                f"""
                SELECT line, col, message, count(*) OVER ()
                FROM ({" UNION ALL ".join(errors_sql)}) e
                ORDER BY line, position LIMIT {uf.MAX_SHOWN_ERRORS}
                """
            )
            rows = cursor.fetchall()
            raise uf.FileRefused(
                [uf.RowError(line, column, message) for line, column, message, _ in rows],
                count=rows[0][3] if rows else 0,
            )
        if "account" in values:
            cursor.execute(
                f"SELECT DISTINCT value FROM usage_lookup_account_{tag} WHERE error IS NULL"
            )
            project_ids = tuple(sorted(row[0] for row in cursor.fetchall()))
        else:
            project_ids = (usage_import.project_id,)
        # ON COMMIT DROP alone would keep the raw values until an outer transaction ends.
        temporary = [staging] + [f"usage_lookup_{column}_{tag}" for column in values]
        cursor.execute(f"DROP TABLE {', '.join(temporary)}")
    return LoadResult(total, imported, project_ids)


def _copy_file(
    cursor: object,
    staging: str,
    columns: list[str],
    shape: uf.FileShape,
    open_file: OpenFile,
    progress: Progress,
) -> None:
    """Stream the file's rows into the staging table with COPY."""
    import psycopg

    try:
        if shape.kind == "csv":
            statement = (
                f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
                f"HEADER true, DELIMITER {_DELIMITER_SQL[shape.delimiter]})"
            )
            with open_file() as raw, cursor.copy(statement) as copy:
                for chunk in uf.CheckedReader(raw, on_progress=progress).chunks():
                    copy.write(chunk)
        else:
            statement = f"COPY {staging} (line, {', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for line, cells in _rows(shape, open_file, progress):
                    copy.write_row([line, *cells])
    except (psycopg.errors.BadCopyFileFormat, psycopg.errors.DataError) as error:
        # The database's message quotes the row (raw identifiers), so only the line is kept.
        found = _LINE_IN_CONTEXT.search(error.diag.context or "")
        line = int(found.group(1)) if found else None
        raise uf.FileRefused.single(
            uf.BAD_ROW_SHAPE.format(line=line, expected=len(columns)), line=line
        ) from None


def _user_key_check() -> Callable[[str], tuple[str, str | None]]:
    """Return a check of the user column whose clean value is the pseudonymous key."""
    key = uf.pseudonym_key()

    def check(raw: str) -> tuple[str, str | None]:
        user, message = uf.check_user(raw)
        return (uf.user_key(user, key) if message is None else "", message)

    return check


def _fill_lookup(
    cursor: object,
    staging: str,
    raw: str,
    lookup: str,
    sql_type: str,
    check: Callable[[str], tuple[object, str | None]],
) -> None:
    """Fill a lookup table with each distinct raw value of a column, its clean value and error."""
    cursor.execute(
        f"CREATE TEMP TABLE {lookup} (raw text PRIMARY KEY, value {sql_type}, error text) "
        "ON COMMIT DROP"
    )
    with connection.chunked_cursor() as distinct:
        distinct.execute(f"SELECT DISTINCT {raw} FROM {staging} s")
        # Checks (which may query accounts) run before each batch's COPY: a connection runs
        # no other statement while a COPY is open.
        while batch := distinct.fetchmany(_FETCH_SIZE):
            checked = [(value, *check(value)) for (value,) in batch]
            with cursor.copy(f"COPY {lookup} (raw, value, error) FROM STDIN") as copy:
                for value, clean, message in checked:
                    copy.write_row([value, None if message else clean, message])
    cursor.execute(f"ANALYZE {lookup}")
