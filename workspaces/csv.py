"""The one CSV writer of every export, with one neutralization rule and one rounding rule.

- Text that a spreadsheet would run as a formula (starting with `= + - @`, a tab or a carriage
  return) gets a leading apostrophe; `unneutralize` undoes it when a file is imported back.
- Numbers stay numbers (a change of -2.5 is data, not a formula), and figures are rounded here
  and only here, to FIGURE_DECIMALS places, so no export carries `54.76145833333334`.
- Non-finite numbers and None become empty cells.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FIGURE_DECIMALS = 2
# csv's cell limit is process-wide, so it is set once, here, to the largest any reader needs
# (a quoted usage cell, usage.files.MAX_QUOTED_CHARS); each reader checks its own smaller limit
# itself, so no reader's message depends on which import ran first in the process.
READER_FIELD_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(READER_FIELD_LIMIT)


def neutralize(value: object) -> str:
    """Return `value` as text a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def unneutralize(text: str) -> str:
    """Undo `neutralize`, so an exported file imports back to the same text."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def round_figure(value: float) -> float | int:
    """Return a figure rounded for export: whole numbers as integers, others to 2 places."""
    rounded = round(value, FIGURE_DECIMALS)
    return int(rounded) if rounded == int(rounded) else rounded


def cell(value: object) -> object:
    """Return one cell as it is written: numbers rounded, text neutralized."""
    if value is None or isinstance(value, bool):
        return neutralize(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round_figure(value) if math.isfinite(value) else ""
    return neutralize(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return a CSV document of `header` and `rows`, every cell through `cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralize(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()
