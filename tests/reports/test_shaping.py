"""Report shaping is pure: a breakdown in, the report's groups and charts out (no database)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from reports import shaping
from scoring import engine
from tests.worked_example import WORKED_RESPONSES

PREFIXES = {
    "AW": "awareness",
    "DE": "desire",
    "KN": "knowledge",
    "AB": "ability",
    "RE": "reinforcement",
    "LS": "leadership",
}


def _respondent(role: str, values: dict[str, int | None]) -> engine.Respondent:
    likert: dict[str, tuple[int, ...]] = {}
    for code, value in values.items():
        if code[:2] in PREFIXES and value is not None:
            dimension = PREFIXES[code[:2]]
            likert[dimension] = (*likert.get(dimension, ()), value)
    return engine.Respondent(role=role, likert=likert, nps=values.get("NPS"))


def _worked_breakdown() -> dict:
    respondents = tuple(_respondent(role, values) for role, values in WORKED_RESPONSES)
    result = engine.calculate(
        engine.ScoreInput(
            respondents=respondents,
            invitations=3,
            usage=None,
            project_live=False,
            model=engine.ModelParameters(),
        )
    )
    return result.as_dict()


@dataclass
class Point:
    created_at: datetime.datetime
    score: float | None


def test_groups_come_in_display_order_with_their_labels() -> None:
    groups = shaping.report_groups(_worked_breakdown())
    assert [(g["group"], g["label"]) for g in groups] == [
        ("all", "All respondents"),
        ("leadership", "Leadership"),
        ("end_users", "End users"),
    ]


def test_charts_leave_suppressed_groups_out() -> None:
    charts = shaping.report_charts(_worked_breakdown(), [], [])
    # Both role groups of the worked example are under the minimum group size of 3.
    assert [dataset["label"] for dataset in charts["adkar"]["datasets"]] == ["All respondents"]
    assert charts["segments"]["datasets"] == []
    awareness = charts["adkar"]["datasets"][0]["data"][0]
    assert round(awareness, 3) == 4.111
    assert charts["adkar"]["barrierLine"] == 3.0


def test_the_history_chart_is_dated_oldest_first() -> None:
    history = [
        Point(datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC), 55.0),
        Point(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), 61.0),
    ]
    chart = shaping.report_charts({}, history, [])["history"]
    assert chart["labels"] == ["2026-01-05", "2026-03-02"]
    assert chart["datasets"][0]["data"] == [55.0, 61.0]
