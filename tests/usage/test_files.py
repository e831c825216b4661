"""Reading usage files: CSV text cut into blocks of cells exactly as the csv module reads it."""

from __future__ import annotations

import csv
import datetime
import io
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage import files as uf


def read(content: bytes, width: int, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Return (line, cells) of each data row as the import reads them, block by block."""
    rows = []
    for block in uf.csv_blocks(uf.CheckedReader(io.BytesIO(content)), delimiter, width):
        assert len(block.lines) <= uf.BLOCK_ROWS
        rows.extend(
            zip(
                block.lines,
                [list(cells) for cells in zip(*block.columns, strict=True)],
                strict=True,
            )
        )
    return rows


def reference(content: bytes, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Return (line, cells) of each data row as the csv module reads the whole text."""
    text = content.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return list(enumerate(records[1:], start=2))


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str, int, int | None]:
    """Draw a CSV file, quote-free or with every cell quoted (as "quote all" exports write);
    maybe one row has a cell too few (its line is returned)."""
    width = draw(st.integers(2, 5))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    quote_all = draw(st.booleans())
    # Quoted cells may hold the delimiter and, now and then, a quote (written twice).
    forbidden = "\r\n\x00" + ("" if quote_all else f'"{delimiter}')
    cell = st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters=forbidden),
        max_size=12,
    )
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=40))
    short = draw(st.none() | st.integers(0, len(rows) - 1))
    if short is not None:
        # A cell too few; not an empty line, which at the end of a file is ignored.
        rows[short] = rows[short][:-1]
        rows[short][0] = rows[short][0] or "x"

    def line(cells: list[str]) -> str:
        if quote_all:
            cells = ['"' + cell.replace('"', '""') + '"' for cell in cells]
        return delimiter.join(cells)

    ending = draw(st.sampled_from(["\n", "\r\n"]))
    header = line([f"c{number}" for number in range(width)])
    text = ending.join([header, *(line(row) for row in rows)])
    text += draw(st.sampled_from(["", ending]))
    return text.encode(), delimiter, width, None if short is None else short + 2


class TestCsvBlocks:
    @settings(max_examples=300, deadline=None)
    @given(file=csv_files(), chunk=st.integers(4, 80), block_rows=st.integers(1, 7))
    def test_quote_free_and_all_quoted_text_give_the_csv_modules_cells_and_lines(
        self, file, chunk, block_rows
    ) -> None:
        content, delimiter, width, short_line = file
        # Small chunks and blocks, so that rows, characters and CR LF pairs straddle them.
        with (
            mock.patch.object(uf, "CHUNK_BYTES", chunk),
            mock.patch.object(uf, "BLOCK_ROWS", block_rows),
        ):
            if short_line is None:
                assert read(content, width, delimiter) == reference(content, delimiter)
                return
            with pytest.raises(uf.FileRefused) as refused:
                read(content, width, delimiter)
        assert refused.value.errors[0].line == short_line
        assert refused.value.errors[0].message == uf.BAD_ROW_SHAPE.format(
            line=short_line, expected=width
        )

    def test_quotes_after_the_first_chunk_are_read_by_the_csv_module(self) -> None:
        plain = "".join(f"2025-03-01,user{n},reports,1\n" for n in range(50))
        quoted = '2025-03-02,"Doe, Jane",reports,2\n2025-03-03,"line\none ""x""",,3\n'
        content = ("date,user,feature,count\n" + plain + quoted + plain).encode()
        with mock.patch.object(uf, "CHUNK_BYTES", 256):
            rows = read(content, 4)
        assert [cells for _line, cells in rows] == [cells for _line, cells in reference(content)]
        assert rows[50] == (52, ["2025-03-02", "Doe, Jane", "reports", "2"])
        assert rows[51] == (53, ["2025-03-03", 'line\none "x"', "", "3"])
        # Lines are the file's: the cell with a line break spans lines 53 and 54.
        assert rows[52] == (55, ["2025-03-01", "user0", "reports", "1"])
        assert rows[-1][0] == 104

    def test_a_quoted_cell_across_pieces_of_text(self) -> None:
        long_cell = "x" * 300
        content = f'date,user,feature\n2025-03-01,u1,"{long_cell}\n{long_cell}"\n2025-03-02,u2,r\n'
        with mock.patch.object(uf, "CHUNK_BYTES", 64):
            rows = read(content.encode(), 3)
        assert rows == [
            (2, ["2025-03-01", "u1", f"{long_cell}\n{long_cell}"]),
            (4, ["2025-03-02", "u2", "r"]),
        ]

    @pytest.mark.parametrize(
        ("content", "line"),
        [
            # Never closed: the rest of the file would silently become one cell.
            ('date,user,feature\n2025-03-01,ann,"f\n2025-03-02,bob,g\n', 2),
            ('date,user\n2025-03-01,ann\n2025-03-02,"bob"x\n', 3),
        ],
        ids=["unclosed", "text-after-closing-quote"],
    )
    def test_a_quote_out_of_place_refuses_the_file(self, content, line) -> None:
        width = content.split("\n")[0].count(",") + 1
        with pytest.raises(uf.FileRefused) as refused:
            read(content.encode(), width)
        assert refused.value.errors[0].message == uf.BAD_QUOTES.format(line=line)

    def test_a_line_of_more_than_a_million_characters_refuses_the_file(self) -> None:
        content = b"date,user\n2025-03-01,ann\n2025-03-02," + b"b" * 1_100_000 + b"\n"
        with pytest.raises(uf.FileRefused) as refused:
            read(content, 2)
        assert refused.value.errors[0].message == uf.LINE_TOO_LONG.format(line=3)

    def test_a_quoted_header_and_crlf_endings(self) -> None:
        content = b'"date","user"\r\n"2025-03-01","u1"\r\n2025-03-02,u2\r\n'
        assert read(content, 2) == [(2, ["2025-03-01", "u1"]), (3, ["2025-03-02", "u2"])]

    def test_carriage_returns_alone_end_lines_too(self) -> None:
        content = b"date,user\r2025-03-01,u1\r2025-03-02,u2\r"
        with mock.patch.object(uf, "CHUNK_BYTES", 8):
            rows = read(content, 2)
        assert rows == [(2, ["2025-03-01", "u1"]), (3, ["2025-03-02", "u2"])]

    def test_a_last_line_without_line_break_and_trailing_empty_lines(self) -> None:
        assert read(b"date,user\n2025-03-01,u1", 2) == [(2, ["2025-03-01", "u1"])]
        assert read(b"date,user\n2025-03-01,u1\n\n\n", 2) == [(2, ["2025-03-01", "u1"])]

    def test_an_empty_line_between_rows_is_a_row_of_the_wrong_shape(self) -> None:
        with pytest.raises(uf.FileRefused) as refused:
            read(b"date,user\n2025-03-01,u1\n\n2025-03-02,u2\n", 2)
        assert refused.value.errors[0].line == 3


def test_a_workbook_date_reads_as_a_date_and_a_date_time_as_one() -> None:
    assert uf.cell_text(datetime.datetime(2026, 11, 6)) == "2026-11-06"  # noqa: DTZ001
    assert uf.cell_text(datetime.datetime(2026, 11, 6, 14, 5)) == "2026-11-06T14:05:00"  # noqa: DTZ001
    assert uf.cell_text(3.0) == "3" and uf.cell_text(None) == ""
