"""Reading the CSV files of invitation lists and responses (pure: no database access).

Exports are written by `workspaces.csv`, the one CSV writer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from workspaces.csv import unneutralize  # also sets csv's process-wide cell limit

PERSON_COLUMNS = ("name", "email", "role", "department")
# An invitation list may also say which language each person's survey speaks.
LIST_COLUMNS = (*PERSON_COLUMNS, "language")
# Header spellings accepted for the person columns, lower-cased.
COLUMN_ALIASES = {
    "e-mail": "email",
    "e mail": "email",
    "mail": "email",
    "dept": "department",
    "lang": "language",
}

DONT_KNOW = "dont_know"
# Longest cell read: no name, e-mail or answer comes near it (checked here, below csv's own limit).
MAX_CELL_CHARS = 131_072


@dataclass(frozen=True)
class Row:
    """One data line of an uploaded file: its 1-based line number and cells by column name."""

    line: int
    cells: dict[str, str]


def decode(data: bytes) -> str:
    """Return the text of an uploaded file (UTF-8 with or without BOM).

    Raise ValueError with a message for the user when it is not UTF-8 or holds a NUL byte.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            "Save the file as UTF-8 (CSV UTF-8 in Excel) and upload it again."
        ) from error
    check_text(text)
    return text


def check_text(text: str) -> None:
    """Raise ValueError when `text` holds a NUL character (no CSV or typed list ever does)."""
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise ValueError(
            f"Line {line} holds a NUL character, which text never has. Export the file again "
            "as CSV UTF-8 and upload it."
        )


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) of a CSV text, refusing oversized cells and broken quotes.

    Raise ValueError with the line for the user: csv's own limit depends on process-wide
    state, so the cell length is checked here whatever that limit is.
    """
    check_text(text)
    reader = csv.reader(io.StringIO(text), _dialect(text))
    try:
        for cells in reader:
            if any(len(cell) > MAX_CELL_CHARS for cell in cells):
                raise ValueError(
                    f"Line {reader.line_num} has a cell longer than {MAX_CELL_CHARS:,} "
                    "characters, which no name or answer is. Check the file's quotes and "
                    "delimiter."
                )
            yield reader.line_num, cells
    except csv.Error:
        raise ValueError(
            f"Line {reader.line_num} cannot be read: a cell is longer than "
            f"{MAX_CELL_CHARS:,} characters or a quote is out of place. Check the file's quotes "
            "and delimiter."
        ) from None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def header_name(raw: str) -> str:
    """Return the canonical name of a header cell: person columns lower-cased, codes upper."""
    name = raw.strip().lower()
    name = COLUMN_ALIASES.get(name, name)
    return name if name in LIST_COLUMNS else raw.strip().upper()


def read_rows(text: str) -> tuple[list[str], list[Row]]:
    """Return the canonical header names and the non-blank data rows of a CSV text.

    Raise ValueError with a message for the user when the text cannot be read.
    """
    header: list[str] = []
    rows: list[Row] = []
    for line, cells in _records(text):
        if not any(cell.strip() for cell in cells):
            continue
        if not header:
            header = [header_name(cell) for cell in cells]
            continue
        padded = [*cells, *[""] * (len(header) - len(cells))]
        rows.append(Row(line, dict(zip(header, (c.strip() for c in padded), strict=False))))
    return header, rows


ATTRIBUTE_PREFIX = "attribute:"


def _person_column(raw: str) -> str:
    """Return a person column's name, or any other header as an attribute (`attribute:team`)."""
    name = header_name(raw)
    if name in LIST_COLUMNS:
        return name
    return ATTRIBUTE_PREFIX + " ".join(raw.split()).lower()


def read_person_list(text: str) -> list[Row]:
    """Return the rows of a pasted or uploaded invitation list.

    A header row (name, email, role, department, language) is optional; without one the
    columns are taken in that order. With one, any further column (e.g. location, team) is an
    attribute of the person, kept as `attribute:<name>` for the report's segments. Raise
    ValueError with a message for the user when the text cannot be read.
    """
    rows: list[Row] = []
    columns: Sequence[str] = LIST_COLUMNS
    first = True
    for line, cells in _records(text):
        if not any(cell.strip() for cell in cells):
            continue
        names = [header_name(cell) for cell in cells]
        if first and "email" in names and "name" in names:
            columns = [_person_column(cell) for cell in cells]
            first = False
            continue
        first = False
        cells = [cell.strip() for cell in cells]
        row = dict(zip(columns, [*cells, *[""] * (len(columns) - len(cells))], strict=False))
        if len(cells) > len(columns):
            row["_extra"] = ", ".join(cells[len(columns) :])
        rows.append(Row(line, row))
    return rows


# --- Shared cell rules --------------------------------------------------------------------


def role_value(raw: str, roles: Collection[str], labels: dict[str, str]) -> str | None:
    """Return the role that `raw` names ("End user", "end-user", …) among `roles`, or None."""
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    return key if key in roles else labels.get(key)


def email_error(email: str) -> str | None:
    """Return why `email` is not an e-mail address, or None when it is one."""
    try:
        validate_email(email)
    except ValidationError:
        return f"“{email}” is not a valid e-mail address"
    return None


def column_letter(index: int) -> str:
    """Return a spreadsheet's name for the 0-based column `index` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- Responses (the export's format) ------------------------------------------------------

MAX_RESPONSE_ERRORS = 100


@dataclass(frozen=True)
class ResponseRow:
    """One person's line of a responses file: who, and the cleaned answers by item code."""

    line: int
    name: str
    email: str
    role: str
    department: str
    answers: dict[str, Any] = field(default_factory=dict)
    # The line where the same e-mail address appeared first, when this line repeats it.
    repeats_line: int | None = None


@dataclass(frozen=True)
class ParsedResponses:
    """The rows of a responses file, or the problems as (line, message) pairs in file order."""

    rows: list[ResponseRow]
    problems: list[tuple[int, str]]
    header: list[str]


def read_responses(
    text: str,
    *,
    item_codes: Collection[str],
    clean: Callable[[str, str], Any | None],
    role_of: Callable[[str], str | None],
) -> ParsedResponses:
    """Read a responses CSV in the export's format without touching the database.

    `clean(code, raw)` returns an answer (None for an empty cell) or raises a ValidationError
    whose messages say what is wrong; `role_of(raw)` returns the role a cell names, or None.
    A header problem stops at the header; otherwise every bad cell is reported with its line
    and column, up to MAX_RESPONSE_ERRORS problems (one more says there are more).
    """
    header, lines = read_rows(text)
    if not header:
        return ParsedResponses(
            [], [(1, "The file is empty: start with the header row of the export.")], []
        )
    problems: list[tuple[int, str]] = []
    missing = [name for name in ("name", "email", "role") if name not in header]
    if missing:
        problems.append(
            (1, f"Line 1: the header needs the column(s) {', '.join(missing)}; "
                "use the header row of the export.")
        )  # fmt: skip
    codes: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        if name in PERSON_COLUMNS:
            continue
        if name not in item_codes:
            problems.append(
                (1, f"Line 1, column {column_letter(index)}: “{name}” is not a question code of "
                    "this assessment's template.")
            )  # fmt: skip
        elif header.count(name) > 1:
            problems.append((1, f"Line 1, column {column_letter(index)}: “{name}” appears twice."))
        else:
            codes.append((index, name))
    if problems:
        return ParsedResponses([], problems, header)

    rows: list[ResponseRow] = []
    seen: dict[str, int] = {}
    for row in lines:
        line_problems = []
        email = row.cells.get("email", "").lower()
        role = role_of(row.cells.get("role", ""))
        if not row.cells.get("name"):
            line_problems.append(f"Line {row.line}: the name is missing.")
        if not email:
            line_problems.append(f"Line {row.line}: the e-mail address is missing.")
        elif error := email_error(email):
            line_problems.append(f"Line {row.line}: {error}.")
        if role is None:
            line_problems.append(
                f"Line {row.line}, column {column_letter(header.index('role'))}: "
                f"“{row.cells.get('role', '')}” is not a role: use sponsor, manager or end_user."
            )
        repeats_line = seen.get(email)
        if repeats_line is not None:
            line_problems.append(f"Line {row.line}: {email} is already on line {repeats_line}.")
        seen.setdefault(email, row.line)
        answers = {}
        for index, code in codes:
            try:
                answer = clean(code, unneutralize(row.cells.get(code, "")))
            except ValidationError as error:
                line_problems.append(
                    f"Line {row.line}, column {column_letter(index)} ({code}): "
                    f"{' '.join(error.messages)}"
                )
                continue
            if answer is not None:
                answers[code] = answer
        if not answers and not line_problems:
            line_problems.append(f"Line {row.line}: there is no answer on this line.")
        problems.extend((row.line, problem) for problem in line_problems)
        rows.append(
            ResponseRow(
                line=row.line,
                name=row.cells.get("name", ""),
                email=email,
                role=role or "",
                department=row.cells.get("department", ""),
                answers=answers,
                repeats_line=repeats_line,
            )
        )
        if len(problems) > MAX_RESPONSE_ERRORS:
            break
    return ParsedResponses(rows, problems, header)


def shown_problems(problems: Sequence[tuple[int, str]]) -> list[str]:
    """Return the problems in line order, the first MAX_RESPONSE_ERRORS and a note if more."""
    ordered = [message for _, message in sorted(problems, key=lambda problem: problem[0])]
    shown = ordered[:MAX_RESPONSE_ERRORS]
    if len(ordered) > MAX_RESPONSE_ERRORS:
        shown.append("There are more errors: correct these and upload the file again.")
    return shown
