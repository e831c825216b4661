"""Reading usage files (CSV and XLSX) and the row rules that every import path applies.

Both import paths (`scoring/usage_loading.py`) call the same checks, so that they give
identical events and identical messages.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import hmac
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from usage import connectors
from workspaces.csv import READER_FIELD_LIMIT

COLUMNS: tuple[str, ...] = ("date", "user", "feature", "count", "account")
REQUIRED_COLUMNS: tuple[str, ...] = ("date", "user")
MAX_SHOWN_ERRORS = 100
MAX_USER_LENGTH = 255
MAX_FEATURE_LENGTH = 100
MAX_COUNT_DIGITS = 9
CSV_DELIMITERS = (",", ";", "\t")
CHUNK_BYTES = 1024 * 1024
# Characters stripped from both ends of every value, in Python and in SQL alike.
STRIP_CHARS = " \t\r\n"

# ISO 8601 date, or date-time with optional seconds, fraction and offset (ASCII digits only).
DATE_PATTERN = (
    "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?"
    "(Z| ?UTC|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$"
)
# A whole number; "3.0" too, as pandas writes the counts of a column with gaps.
COUNT_PATTERN = f"^[0-9]{{1,{MAX_COUNT_DIGITS}}}(\\.0+)?$"
_DATE_RE = re.compile(DATE_PATTERN)
_COUNT_RE = re.compile(COUNT_PATTERN)
# Messages quote a refused value only when it has the shape of what its column should hold (a
# mistyped date, a number, an account code). A value of another shape may be a user identifier
# in a wrongly mapped column, and identifiers are kept nowhere, messages included.
_DATE_SHAPED = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}[0-9:.+\-TZ ]*")
_NUMBER_SHAPED = re.compile(r"[-+]?[0-9][0-9.,]*")
_CODE_SHAPED = re.compile(r"[^@\s]+")

# --- Messages (tests assert them word for word) --------------------------------------------

EMPTY_FILE = (
    "The file is empty. Upload a CSV or XLSX file with a header row "
    "(date, user, feature, count) and one row per use."
)
HEADER_ONLY = (
    "The file has a header row but no usage rows. Add the usage below the header and upload "
    "it again."
)
NO_HEADER = (
    "The first row is empty. Put the column names (date, user, feature, count) in the first "
    "row and upload the file again."
)
NOT_UTF8 = (
    "Line {line} is not UTF-8 text. Save the file as “CSV UTF-8” (or as .xlsx) and upload it again."
)
NUL_CHARACTER = (
    "Line {line} holds a NUL character, which text never has. Export the file again as "
    "“CSV UTF-8” (or as .xlsx) and upload it again."
)
LINE_TOO_LONG = (
    "Line {line} is longer than a million characters, which no usage row is. Check that the "
    "file is a table with one row per line, then upload it again."
)
# No usage export has more columns than this; a header with more would only make a mapping
# page of megabytes (a 700 KB file can name 100,000 columns).
MAX_COLUMNS = 200
TOO_MANY_COLUMNS = (
    "The header has {count:,} columns; a usage file has at most {limit}. Keep the date, user, "
    "feature, count (and account) columns, delete the others and upload the file again."
)
# A preview reads the header and a few rows, never more than this many characters of the file.
PREVIEW_MAX_CHARS = 4 * 1024 * 1024
# An XLSX is a zip archive: these bound what opening it may expand to (checked from its
# directory before openpyxl reads anything; zipfile stops at the declared sizes). The shared
# strings are what openpyxl holds in memory whole, even in read-only mode.
XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
XLSX_MAX_SHARED_STRINGS_BYTES = 128 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1024 * 1024
XLSX_TOO_LARGE = (
    "The workbook expands to more than a usage file ever holds (it may be a “zip bomb”). "
    "Export the sheet as CSV UTF-8 and upload that instead."
)
# csv's default cell limit; the limit is process-wide (the loader raises it), so the preview
# checks its cells itself: no header or usage cell comes near it.
MAX_PREVIEW_CELL_CHARS = 131_072
CELL_TOO_LONG = (
    "Line {line} has a cell longer than 131,072 characters, or a quote never closed, which no "
    "usage row has. Check the delimiter and the quotes, then upload the file again."
)
BAD_QUOTES = (
    "Line {line} has a quote out of place or never closed. A cell with a quote starts and "
    'ends with one, and a quote inside it is written twice (""). Correct it and upload the '
    "file again."
)
BAD_ROW_SHAPE = (
    "Line {line} cannot be read as the {expected} columns of the header. Check the delimiter, "
    "the quotes and empty lines there, then upload the file again."
)
MISSING_COLUMN = (
    "The file has no “{column}” column. Name the columns date, user, feature, count{account} "
    "in the first row, or choose which column holds what."
)
DUPLICATE_HEADER = "The header names the column “{name}” twice. Give each column its own name."
UNSUPPORTED_TYPE = "Upload a .csv or .xlsx file (CSV saved as UTF-8, or an Excel workbook)."
XLSX_UNREADABLE = (
    "The file could not be read as an Excel workbook. Save it again as .xlsx, or export it as "
    "CSV UTF-8."
)
XLSX_SHEETS = (
    "The workbook has {count} sheets. Keep the usage on one sheet, delete the others and "
    "upload it again."
)
TOO_LARGE = (
    "The file is {size} MB; the limit is {limit} MB. Split it into smaller files (for example "
    "one per month) and upload them one by one."
)
DATE_EMPTY = "Enter a date."
DATE_FUTURE = "“{value}” is in the future. Usage can only be imported for days that have passed."
DATE_TOO_OLD = (
    "“{value}” is before {earliest}. Check the date: it should be a day of product usage."
)
# Usage older than this is a typo, not telemetry; a day ahead of the server allows for time zones.
EARLIEST_DAY = datetime.date(2000, 1, 1)
DATE_INVALID = (
    "{value} is not a date. Use YYYY-MM-DD or an ISO 8601 date-time such as 2025-03-31T14:05:00."
)
USER_EMPTY = "Enter the user's identifier."
USER_TOO_LONG = f"The identifier is longer than {MAX_USER_LENGTH} characters. Shorten it."
FEATURE_TOO_LONG = f"The feature name is longer than {MAX_FEATURE_LENGTH} characters. Shorten it."
FEATURE_FORMULA = (
    "The feature name starts with =, +, - or @ like a spreadsheet formula. Remove that character."
)
COUNT_INVALID = (
    "{value} is not a valid count. Use a whole number from 1 to 999,999,999, or leave it "
    "empty for 1."
)
ACCOUNT_EMPTY = "Enter the account's external id."
ACCOUNT_UNKNOWN = (
    "No account in this workspace has {value} as its external id. Add that external id to "
    "the account, or correct the file."
)
ACCOUNT_NO_PROJECT = (
    "The account {value} has no active project to receive its usage. Create a project for it "
    "or reopen one."
)
ACCOUNT_OTHER = (
    "This row is for the account {value}, but the file goes to a project of “{own}”. Upload "
    "usage of several accounts on the Usage page, which sends each row to its account's project."
)
# What a message says instead of a value it does not quote.
THIS_VALUE = "This value"
THIS_ROWS_VALUE = "this row's value"

# How many rows the column-mapping page shows before an import starts.
PREVIEW_ROWS = 10


def progress_cache_key(usage_import_id: int) -> str:
    """Return the cache key that holds an import's progress while its transaction is open."""
    return f"usage-import:{usage_import_id}:progress"


def shown(value: str, limit: int = 40) -> str:
    """Return `value` cut to `limit` characters, for quoting it in a message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def quoted(value: str, shape: re.Pattern[str], otherwise: str) -> str:
    """Return “value” (cut to 40 characters) when it has `shape`, else the words `otherwise`."""
    return f"“{shown(value)}”" if shape.fullmatch(value) else otherwise


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


class FileRefused(Exception):
    """The file cannot be imported; `errors` says why (the first 100), `count` how many."""

    def __init__(self, errors: list[RowError], count: int | None = None) -> None:
        super().__init__(f"{count or len(errors)} error(s)")
        self.errors = errors[:MAX_SHOWN_ERRORS]
        self.count = len(errors) if count is None else count

    @classmethod
    def single(cls, message: str, line: int | None = None, column: str = "") -> FileRefused:
        return cls([RowError(line, column, message)])


# --- Pseudonymous user keys ---------------------------------------------------------------


def pseudonym_key() -> bytes:
    """Return the HMAC key for user identifiers: the setting, or one derived from SECRET_KEY."""
    configured = settings.USAGE_PSEUDONYM_KEY
    if configured:
        return configured.encode()
    return hmac.new(
        settings.SECRET_KEY.encode(), b"adoptready.usage-pseudonym.v1", hashlib.sha256
    ).digest()


def normalize_identifier(identifier: str) -> str:
    """Return the identifier as it is hashed: trimmed and in lower case (Alice@X = alice@x)."""
    return identifier.strip(STRIP_CHARS).lower()


def user_key(identifier: str, key: bytes | None = None) -> int:
    """Return the pseudonymous key that stands for a user identifier.

    It is the first 8 bytes of HMAC-SHA256(key, normalized identifier), read as a signed
    64-bit integer (a PostgreSQL bigint): half the width of the 16-byte `bytea` and an eighth
    of the 64 hex characters, which matters for a table filled by the million. Keys are only
    counted per project (distinct users); two people of one project share a key with
    probability about n² / 2⁶⁵ for n people (under 3 × 10⁻¹⁰ for 100,000), and without the
    secret key nobody can make two identifiers collide on purpose (docs/usage-imports.md).
    """
    digest = hmac.new(
        key if key is not None else pseudonym_key(),
        normalize_identifier(identifier).encode(),
        hashlib.sha256,
    ).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# --- Row rules ----------------------------------------------------------------------------

# Each check takes a column's raw text and returns its clean value and an error message (or
# None). Both import paths run them once per distinct value of a column.


def check_date(raw: str) -> tuple[datetime.date | None, str | None]:
    value = raw.strip(STRIP_CHARS)
    if not value:
        return None, DATE_EMPTY
    day = parse_day(value)
    if day is None:
        return None, DATE_INVALID.format(value=quoted(value, _DATE_SHAPED, THIS_VALUE))
    if day > timezone.localdate() + datetime.timedelta(days=1):
        return None, DATE_FUTURE.format(value=shown(value))
    if day < EARLIEST_DAY:
        return None, DATE_TOO_OLD.format(value=shown(value), earliest=EARLIEST_DAY.isoformat())
    return day, None


def check_user(raw: str) -> tuple[str, str | None]:
    value = raw.strip(STRIP_CHARS)
    if not value:
        return "", USER_EMPTY
    if len(value) > MAX_USER_LENGTH:
        return "", USER_TOO_LONG
    return value, None


def check_feature(raw: str) -> tuple[str, str | None]:
    value = raw.strip(STRIP_CHARS)
    if len(value) > MAX_FEATURE_LENGTH:
        return "", FEATURE_TOO_LONG
    if value[:1] in ("=", "+", "-", "@") and value:
        return "", FEATURE_FORMULA
    return value, None


def check_count(raw: str) -> tuple[int, str | None]:
    value = raw.strip(STRIP_CHARS)
    if not value:
        return 1, None
    count = int(value.partition(".")[0]) if _COUNT_RE.match(value) else 0
    if count < 1:
        return 0, COUNT_INVALID.format(value=quoted(value, _NUMBER_SHAPED, THIS_VALUE))
    return count, None


def check_account(
    raw: str, account_projects: Callable[[str], int | None | bool]
) -> tuple[int | None, str | None]:
    """Return the active project of the account with external id `raw`, or why there is none.

    `account_projects(external_id)` answers the project id, None when the account has no
    active project, or False when no account has that id.
    """
    value = raw.strip(STRIP_CHARS)
    if not value:
        return None, ACCOUNT_EMPTY
    project_id = account_projects(value)
    if project_id is False:
        return None, ACCOUNT_UNKNOWN.format(value=quoted(value, _CODE_SHAPED, THIS_ROWS_VALUE))
    if project_id is None:
        return None, ACCOUNT_NO_PROJECT.format(value=quoted(value, _CODE_SHAPED, "of this row"))
    return project_id, None


def check_own_account(raw: str, own: str, project_id: int) -> tuple[int | None, str | None]:
    """Return `project_id` when a project's file names no account or the project's own
    (external id `own`, in any case), or why the row belongs elsewhere."""
    value = raw.strip(STRIP_CHARS)
    if not value or value.casefold() == own.casefold():
        return project_id, None
    return None, ACCOUNT_OTHER.format(value=quoted(value, _CODE_SHAPED, "in this row"), own=own)


def parse_day(value: str) -> datetime.date | None:
    """Return the calendar day of an ISO 8601 date or date-time as written, or None."""
    if not _DATE_RE.match(value):
        return None
    try:
        return datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return None


# --- Reading files ------------------------------------------------------------------------


@dataclass
class FileShape:
    """What the first row of a file says: its kind, header and (for CSV) delimiter."""

    kind: str  # "csv", "xlsx" or "jsonl"
    header: list[str]
    delimiter: str = ","
    preview: list[list[str]] = field(default_factory=list)
    # For "jsonl": which analytics tool's export it is (a key of connectors.CONNECTORS).
    format: str = ""

    @property
    def format_label(self) -> str:
        """Return the detected export format's name ("Mixpanel raw export"), or ""."""
        connector = connectors.CONNECTORS.get(self.format)
        return connector.label if connector else ""


def file_kind(name: str, head: bytes) -> str:
    """Return "csv" or "xlsx" from the file's name and first bytes, or refuse it."""
    lowered = name.lower()
    if head.startswith(b"PK\x03\x04"):
        if lowered.endswith((".csv", ".txt", ".tsv")):
            raise FileRefused.single(UNSUPPORTED_TYPE)
        return "xlsx"
    if lowered.endswith((".xlsx", ".xlsm")):
        raise FileRefused.single(XLSX_UNREADABLE)
    if lowered.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    if connectors.looks_like_json_lines(lowered, head):
        return "jsonl"
    raise FileRefused.single(UNSUPPORTED_TYPE)


def detect_delimiter(header_line: str) -> str:
    """Return the delimiter the header line uses most (comma on a tie or none)."""
    return max(CSV_DELIMITERS, key=lambda delimiter: header_line.count(delimiter))


def normalize_header(names: list[str]) -> list[str]:
    """Return the header names trimmed and in lower case, refusing a name given twice."""
    header = [name.strip(STRIP_CHARS).lower() for name in names]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise FileRefused.single(DUPLICATE_HEADER.format(name=shown(name)))
        seen.add(name)
    return header


def default_mapping(header: list[str]) -> dict[str, int | None]:
    """Return each canonical column's position in the header when a column has its name."""
    return {column: header.index(column) if column in header else None for column in COLUMNS}


def check_mapping(mapping: dict[str, int | None], *, workspace_wide: bool) -> None:
    """Refuse a mapping that lacks a required column."""
    required = (*REQUIRED_COLUMNS, "account") if workspace_wide else REQUIRED_COLUMNS
    for column in required:
        if mapping.get(column) is None:
            account = ", account" if workspace_wide else ""
            raise FileRefused.single(MISSING_COLUMN.format(column=column, account=account))


class CheckedReader(io.RawIOBase):
    """A binary stream that refuses bytes that are not UTF-8 text and reports its progress.

    The BOM is dropped and trailing empty lines are trimmed, so that both import paths (csv
    module and PostgreSQL COPY) see exactly the same text.
    """

    def __init__(self, raw: IO[bytes], on_progress: Callable[[int], None] | None = None) -> None:
        self.raw = raw
        self.on_progress = on_progress
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.bytes_read = 0
        self.newlines = 0
        self.first = True
        self.held = b""
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes:
        """Return the next checked chunk, or b"" at the end."""
        while not self.done:
            chunk = self.raw.read(CHUNK_BYTES)
            if self.first:
                self.first = False
                chunk = chunk.removeprefix(codecs.BOM_UTF8)
            if not chunk:
                self.done = True
                try:
                    self.decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    raise FileRefused.single(NOT_UTF8.format(line=self.newlines + 1)) from None
                # Trailing empty lines are dropped; the last line keeps one newline of its style
                # (PostgreSQL refuses a file whose line endings change).
                return self.held[:2] if self.held.startswith(b"\r\n") else self.held[:1]
            self.bytes_read += len(chunk)
            self._check(chunk)
            if self.on_progress is not None:
                self.on_progress(self.bytes_read)
            chunk = self.held + chunk
            body = chunk.rstrip(b"\r\n")
            self.held = chunk[len(body) :]
            if body:
                return body
        return b""

    def _check(self, chunk: bytes) -> None:
        nul = chunk.find(b"\0")
        try:
            self.decoder.decode(chunk if nul < 0 else chunk[:nul])
        except UnicodeDecodeError as error:
            line = self.newlines + chunk.count(b"\n", 0, error.start) + 1
            raise FileRefused.single(NOT_UTF8.format(line=line)) from None
        if nul >= 0:
            line = self.newlines + chunk.count(b"\n", 0, nul) + 1
            raise FileRefused.single(NUL_CHARACTER.format(line=line))
        self.newlines += chunk.count(b"\n")

    def readinto(self, buffer: Any) -> int:
        if not self.pending:
            self.pending = self._next_chunk()
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def chunks(self) -> Iterator[bytes]:
        """Yield the checked bytes in large chunks."""
        while chunk := self._next_chunk():
            yield chunk

    def texts(self) -> Iterator[str]:
        """Yield the checked text in large pieces, each ending at a line break.

        A piece is cut after its last line feed (or, in a file without any, after its last
        carriage return but one), so that no line and no CR LF pair is split between pieces.
        A line longer than MAX_LINE_CHARS refuses the file (no usage row is that long, and
        memory stays bounded).
        """
        decoder = codecs.getincrementaldecoder("utf-8")()
        rest = ""
        lines_before = 0
        for chunk in self.chunks():
            text = rest + decoder.decode(chunk)
            cut = text.rfind("\n") + 1 or text.rfind("\r", 0, len(text) - 1) + 1
            rest = text[cut:]
            if len(rest) > MAX_LINE_CHARS:
                line = lines_before + text.count("\n", 0, cut) + 1
                raise FileRefused.single(LINE_TOO_LONG.format(line=line), line=line)
            if cut:
                piece = text[:cut]
                lines_before += piece.count("\n")
                yield piece
        if rest:
            yield rest if rest.endswith(("\n", "\r")) else rest + "\n"


@dataclass(frozen=True)
class RowBlock:
    """Consecutive data rows of a file, by column.

    `columns[c][r]` is the text of the file's column c in row r, which is line `lines[r]` of
    the file. Blocks hold at most BLOCK_ROWS rows, so that memory does not grow with the file.
    """

    lines: Sequence[int]
    columns: list[Sequence[str]]


class SameCells(Sequence[str]):
    """A column of `size` cells that all hold `text` (the count of an export's events): the
    loader checks it once, not cell by cell."""

    def __init__(self, text: str, size: int) -> None:
        self.text = text
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return SameCells(self.text, len(range(*index.indices(self.size))))
        if not -self.size <= index < self.size:
            raise IndexError(index)
        return self.text


BLOCK_ROWS = 20_000
# No usage row comes near these: a longer line, or quoted cell, is not a table of usage.
MAX_LINE_CHARS = 1024 * 1024
MAX_QUOTED_CHARS = READER_FIELD_LIMIT  # csv's process-wide limit, set by workspaces.csv


def csv_blocks(reader: CheckedReader, delimiter: str, width: int) -> Iterator[RowBlock]:
    """Yield the data rows of a checked CSV stream (after its header) in blocks.

    Each piece of text (`CheckedReader.texts`) without quotes or lone carriage returns, which
    is what telemetry exports mostly are, is cut into lines and cells with `str.split`: for
    such text that gives exactly the csv module's cells, about twice as fast. A piece with
    either is read by the csv module in strict mode, joined with the next pieces while a quoted
    cell is still open at its end. A row with another number of cells than the header, or a
    quote out of place, refuses the file. Lines are the file's lines (a quoted cell may span
    several).
    """
    line = 1  # the file's line where the next piece starts; the header is line 1
    pending = ""
    for text in reader.texts():
        if pending:
            text = pending + text
        plain = text.replace("\r\n", "\n") if "\r" in text else text
        if width >= 2 and '"' not in plain and "\r" not in plain:
            pending = ""
            lines = plain.split("\n")
            lines.pop()  # the piece ends with a line break
            first = line
            if line == 1:
                del lines[0]
                first = 2
            yield from _plain_blocks(lines, delimiter, width, first)
            line = first + len(lines)
            continue
        quoted_cells = _all_quoted_cells(plain, delimiter, width)
        if quoted_cells is not None:
            pending = ""
            first = line
            if line == 1:
                del quoted_cells[:width]
                first = 2
            rows = len(quoted_cells) // width
            yield from _cell_blocks(quoted_cells, rows, width, first)
            line = first + rows
            continue
        try:
            rows, lines, next_line = _csv_module_rows(text, delimiter, width, line)
        except _QuoteOpenAtEnd:
            if len(text) > MAX_QUOTED_CHARS:
                raise FileRefused.single(CELL_TOO_LONG.format(line=line), line=line) from None
            pending = text  # a quoted cell goes on in the next piece
            continue
        pending = ""
        for start in range(0, len(rows), BLOCK_ROWS):
            part = rows[start : start + BLOCK_ROWS]
            yield RowBlock(lines[start : start + BLOCK_ROWS], list(zip(*part, strict=True)))
        line = next_line
    if pending:
        # The file ends inside a quoted cell: its line is named.
        _csv_module_rows(pending, delimiter, width, line, at_end=True)


def _all_quoted_cells(plain: str, delimiter: str, width: int) -> list[str] | None:
    """Return the cells, row after row, of a piece whose every cell is quoted and holds no
    quote itself (what "quote all" exports write), or None for any other piece.

    Such a line is `"a","b","c"`. Checked: every line starts and ends with a quote (each line
    break sits in `"\n"`) and has `width - 1` times `","`; splitting gives `width` cells per
    line; and the piece has no quotes but these, so no cell holds a quote, and each `","` is
    a real separator.
    """
    separator = f'"{delimiter}"'
    if width < 2 or "\r" in plain or not plain.startswith('"') or not plain.endswith('"\n'):
        return None
    lines = plain.split("\n")
    lines.pop()
    if (
        plain.count('"\n"') != len(lines) - 1
        or plain.count('"') != 2 * width * len(lines)
        or set(map(str.count, lines, itertools.repeat(separator))) != {width - 1}
    ):
        return None
    cells = plain[1:-2].replace('"\n"', separator).split(separator)
    return cells if len(cells) == width * len(lines) else None


class _QuoteOpenAtEnd(Exception):
    """A piece of text ends inside a quoted cell (which may go on in the next piece)."""


def _plain_blocks(
    lines: list[str], delimiter: str, width: int, first_line: int
) -> Iterator[RowBlock]:
    """Yield quote-free `lines` (the first being line `first_line`) as blocks of cells."""
    separators = width - 1
    if set(map(str.count, lines, itertools.repeat(delimiter))) - {separators}:
        bad = next(i for i, text in enumerate(lines) if text.count(delimiter) != separators)
        raise FileRefused.single(
            BAD_ROW_SHAPE.format(line=first_line + bad, expected=width), line=first_line + bad
        )
    cells = delimiter.join(lines).split(delimiter)
    yield from _cell_blocks(cells, len(lines), width, first_line)


def _cell_blocks(cells: list[str], rows: int, width: int, first_line: int) -> Iterator[RowBlock]:
    """Yield `rows` rows of `width` cells, laid out row after row in `cells`, as blocks."""
    for start in range(0, rows, BLOCK_ROWS):
        end = min(start + BLOCK_ROWS, rows)
        yield RowBlock(
            range(first_line + start, first_line + end),
            [cells[start * width + column : end * width : width] for column in range(width)],
        )


def _csv_module_rows(
    text: str, delimiter: str, width: int, line: int, *, at_end: bool = False
) -> tuple[list[list[str]], list[int], int]:
    """Read `text` (starting at the file's line `line`) with the csv module in strict mode.

    Return its data rows, the line each starts on, and the line where the next text starts.
    Raise _QuoteOpenAtEnd when the text ends inside a quoted cell, unless `at_end`.
    """
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    consumed = 0
    try:
        for cells in records:
            start, consumed = line + consumed, records.line_num
            if start == 1:
                continue  # the header
            if len(cells) != width:
                raise FileRefused.single(
                    BAD_ROW_SHAPE.format(line=start, expected=width), line=start
                )
            rows.append(cells)
            lines.append(start)
    except csv.Error as error:
        if "unexpected end of data" in str(error) and not at_end:
            raise _QuoteOpenAtEnd from None
        at = line + consumed  # where the record being read starts
        raise FileRefused.single(BAD_QUOTES.format(line=at), line=at) from None
    return rows, lines, line + consumed


def cell_text(value: object) -> str:
    """Return a spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        # Excel stores a date as a date-time at midnight: show it as the date it is.
        if value.time() == datetime.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_xlsx_archive(raw: IO[bytes]) -> None:
    """Refuse a workbook whose members expand too far, from the zip directory alone."""
    try:
        with zipfile.ZipFile(raw) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused.single(XLSX_UNREADABLE) from None
    finally:
        raw.seek(0)
    total = sum(member.file_size for member in members)
    for member in members:
        expands = member.file_size > XLSX_RATIO_FROM_BYTES and (
            member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1)
        )
        shared = member.filename.lower().endswith("sharedstrings.xml")
        if expands or (shared and member.file_size > XLSX_MAX_SHARED_STRINGS_BYTES):
            raise FileRefused.single(XLSX_TOO_LARGE)
    if total > XLSX_MAX_UNCOMPRESSED_BYTES:
        raise FileRefused.single(XLSX_TOO_LARGE)


def xlsx_rows(raw: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cell texts) of a workbook's only sheet, skipping empty rows."""
    from openpyxl import load_workbook

    check_xlsx_archive(raw)
    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused.single(XLSX_UNREADABLE) from None
    try:
        if len(workbook.sheetnames) != 1:
            raise FileRefused.single(XLSX_SHEETS.format(count=len(workbook.sheetnames)))
        for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            cells = [cell_text(value) for value in row]
            if number == 1 or any(cell.strip(STRIP_CHARS) for cell in cells):
                yield number, cells
    finally:
        workbook.close()


def xlsx_blocks(raw: IO[bytes], width: int) -> Iterator[RowBlock]:
    """Yield the data rows of a workbook's only sheet (after its header) in blocks."""
    rows = xlsx_rows(raw)
    next(rows, None)
    while batch := list(itertools.islice(rows, BLOCK_ROWS)):
        cells = [(row + [""] * width)[:width] for _number, row in batch]
        yield RowBlock([number for number, _row in batch], list(zip(*cells, strict=True)))


def read_shape(open_file: Callable[[], IO[bytes]], name: str, preview_rows: int = 0) -> FileShape:
    """Return the file's kind, header and delimiter (and first rows), refusing unusable files."""
    with open_file() as raw:
        kind = file_kind(name, raw.read(4))
    if kind == "jsonl":
        return _json_lines_shape(open_file, preview_rows)
    with open_file() as raw:
        if kind == "xlsx":
            rows = xlsx_rows(raw)
            first = next(rows, None)
            if first is None:
                raise FileRefused.single(EMPTY_FILE)
            names = first[1]
            preview = [cells for _, cells in _take(rows, preview_rows)]
            delimiter = ","
        else:
            reader = CheckedReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(reader), encoding="utf-8", newline="")
            lines = _bounded_lines(text, PREVIEW_MAX_CHARS)
            header_line = next(lines, "")
            if not header_line:
                raise FileRefused.single(EMPTY_FILE)
            delimiter = detect_delimiter(header_line)
            records = csv.reader(_chain_first(header_line, lines), delimiter=delimiter)
            try:
                names = next(records, [])
                preview = [row for row in _take(records, preview_rows)]
                for number, row in enumerate([names, *preview], 1):
                    if any(len(cell) > MAX_PREVIEW_CELL_CHARS for cell in row):
                        raise FileRefused.single(CELL_TOO_LONG.format(line=number), line=number)
            except csv.Error:
                # csv's cell limit (131,072 characters unless raised): a broken quote that
                # swallows the file, or a cell no usage row has.
                line = records.line_num
                raise FileRefused.single(CELL_TOO_LONG.format(line=line), line=line) from None
    if not any(name.strip(STRIP_CHARS) for name in names):
        raise FileRefused.single(NO_HEADER)
    if len(names) > MAX_COLUMNS:
        raise FileRefused.single(TOO_MANY_COLUMNS.format(count=len(names), limit=MAX_COLUMNS))
    header = normalize_header(names)
    return FileShape(kind=kind, header=header, delimiter=delimiter, preview=preview)


def _json_lines_shape(open_file: Callable[[], IO[bytes]], preview_rows: int) -> FileShape:
    """Return the shape of an analytics export: its format and its first events as rows."""
    try:
        with open_file() as raw:
            connector = connectors.first_event(raw)
        with open_file() as raw:
            preview = connectors.preview(raw, connector, preview_rows)
    except connectors.Refused as refused:
        raise _refused(refused) from None
    return FileShape(
        kind="jsonl", header=list(connectors.HEADER), preview=preview, format=connector.name
    )


def _refused(refused: connectors.Refused) -> FileRefused:
    return FileRefused(
        [RowError(line, "", message) for line, message in refused.errors], refused.count
    )


def jsonl_blocks(raw: IO[bytes], format: str, width: int) -> Iterator[RowBlock]:
    """Yield the events of an analytics export as rows of date, user, feature, count."""
    try:
        for numbers, dates, users, features in connectors.blocks(
            raw, connectors.CONNECTORS[format]
        ):
            for start in range(0, len(numbers), BLOCK_ROWS):
                end = start + BLOCK_ROWS
                counts = SameCells("1", len(numbers[start:end]))
                yield RowBlock(
                    numbers[start:end],
                    [dates[start:end], users[start:end], features[start:end], counts],
                )
    except connectors.Refused as refused:
        raise _refused(refused) from None


def _take(iterator: Iterator[Any], count: int) -> Iterator[Any]:
    for _ in range(count):
        item = next(iterator, None)
        if item is None:
            return
        yield item


def _bounded_lines(text: IO[str], budget: int) -> Iterator[str]:
    """Yield the lines of `text` until `budget` characters were read (a preview needs a few
    rows, never the whole file), refusing a line longer than MAX_LINE_CHARS unread."""
    used = 0
    number = 0
    while used < budget:
        line = text.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise FileRefused.single(LINE_TOO_LONG.format(line=number), line=number)
        used += len(line)
        yield line


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
