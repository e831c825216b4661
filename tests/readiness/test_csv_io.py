"""Reading a responses file is a pure function: no database, every problem with its place."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from readiness import csv_io


def _clean(code: str, raw: str) -> int | None:
    if raw == "":
        return None
    if raw not in {"1", "2", "3", "4", "5"}:
        raise ValidationError(f"“{raw}” is not an answer: use 1–5.")
    return int(raw)


def _role(raw: str) -> str | None:
    return raw if raw in {"sponsor", "manager", "end_user"} else None


def _read(text: str) -> csv_io.ParsedResponses:
    return csv_io.read_responses(text, item_codes={"AW1", "AW2"}, clean=_clean, role_of=_role)


def test_rows_carry_people_and_answers_by_code() -> None:
    parsed = _read("name,email,role,AW1,AW2\nAda,ADA@x.example,sponsor,4,\n")
    assert parsed.problems == []
    (row,) = parsed.rows
    assert (row.line, row.email, row.role, row.answers) == (
        2,
        "ada@x.example",
        "sponsor",
        {"AW1": 4},
    )


def test_problems_name_their_line_and_column() -> None:
    parsed = _read(
        "name,email,role,AW1,AW2\nAda,ada@x.example,chief,9,2\n,bo@x.example,manager,,\n"
    )
    assert csv_io.shown_problems(parsed.problems) == [
        "Line 2, column C: “chief” is not a role: use sponsor, manager or end_user.",
        "Line 2, column D (AW1): “9” is not an answer: use 1–5.",
        "Line 3: the name is missing.",
    ]


def test_a_repeated_address_points_to_its_first_line() -> None:
    parsed = _read("name,email,role,AW1\nAda,a@x.example,sponsor,4\nAda,a@x.example,sponsor,3\n")
    assert parsed.rows[1].repeats_line == 2
    assert parsed.problems == [(3, "Line 3: a@x.example is already on line 2.")]


def test_an_unknown_code_stops_at_the_header() -> None:
    parsed = _read("name,email,role,ZZ9\nAda,a@x.example,sponsor,4\n")
    assert parsed.rows == []
    assert parsed.problems == [
        (1, "Line 1, column D: “ZZ9” is not a question code of this assessment's template.")
    ]


def test_past_a_hundred_problems_the_list_says_there_are_more() -> None:
    lines = "".join(f"P{n},p{n}@x.example,chief,4\n" for n in range(150))
    shown = csv_io.shown_problems(_read("name,email,role,AW1\n" + lines).problems)
    assert len(shown) == 101 and shown[-1].startswith("There are more errors")
