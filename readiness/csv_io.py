"""Reading and writing the CSV files of invitation lists and responses (no database writes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

PERSON_COLUMNS = ("name", "email", "role", "department")
# Header spellings accepted for the person columns, lower-cased.
COLUMN_ALIASES = {"e-mail": "email", "e mail": "email", "mail": "email", "dept": "department"}

DONT_KNOW = "dont_know"


@dataclass(frozen=True)
class Row:
    """One data line of an uploaded file: its 1-based line number and cells by column name."""

    line: int
    cells: dict[str, str]


def neutralize(value: object) -> str:
    """Return `value` as a cell a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def unneutralize(text: str) -> str:
    """Undo `neutralize`, so an exported file imports back to the same text."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return a CSV document with every cell neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralize(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return buffer.getvalue()


def decode(data: bytes) -> str:
    """Return the text of an uploaded file (UTF-8 with or without BOM)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            "Save the file as UTF-8 (CSV UTF-8 in Excel) and upload it again."
        ) from error


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def header_name(raw: str) -> str:
    """Return the canonical name of a header cell: person columns lower-cased, codes upper."""
    name = raw.strip().lower()
    name = COLUMN_ALIASES.get(name, name)
    return name if name in PERSON_COLUMNS else raw.strip().upper()


def read_rows(text: str) -> tuple[list[str], Iterator[Row]]:
    """Return the canonical header names and the non-blank data rows of a CSV text."""
    reader = csv.reader(io.StringIO(text), _dialect(text))
    header: list[str] = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            header = [header_name(cell) for cell in cells]
            break

    def rows() -> Iterator[Row]:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            padded = [*cells, *[""] * (len(header) - len(cells))]
            yield Row(reader.line_num, dict(zip(header, (c.strip() for c in padded), strict=False)))

    return header, rows()


ATTRIBUTE_PREFIX = "attribute:"


def _person_column(raw: str) -> str:
    """Return a person column's name, or any other header as an attribute (`attribute:team`)."""
    name = header_name(raw)
    if name in PERSON_COLUMNS:
        return name
    return ATTRIBUTE_PREFIX + " ".join(raw.split()).lower()


def read_person_list(text: str) -> list[Row]:
    """Return the rows of a pasted or uploaded invitation list.

    A header row (name, email, role, department) is optional; without one the columns are
    taken in that order. With one, any further column (e.g. location, team) is an attribute of
    the person, kept as `attribute:<name>` for the report's segments.
    """
    reader = csv.reader(io.StringIO(text), _dialect(text))
    rows: list[Row] = []
    columns: Sequence[str] = PERSON_COLUMNS
    first = True
    for cells in reader:
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
        rows.append(Row(reader.line_num, row))
    return rows
