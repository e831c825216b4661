"""The one CSV writer: neutralized text, numbers kept as numbers, figures rounded once."""

from __future__ import annotations

import csv
import io

import pytest

from workspaces.csv import write_csv


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_is_neutralized(text: str) -> None:
    assert _rows(write_csv(["name"], [[text]]))[1] == ["'" + text]


def test_numbers_stay_numbers_and_figures_are_rounded() -> None:
    rows = _rows(write_csv(["a", "b", "c", "d"], [[54.76145833333334, -2.5, 7, 3.0]]))
    assert rows[1] == ["54.76", "-2.5", "7", "3"]


def test_missing_and_non_finite_figures_are_empty_cells() -> None:
    rows = _rows(write_csv(["a", "b", "c"], [[None, float("nan"), float("inf")]]))
    assert rows[1] == ["", "", ""]
