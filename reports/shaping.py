"""Shape a snapshot's breakdown into what the report shows: groups and Chart.js charts.

Pure functions over plain data (a breakdown dict, dated scores, monthly usage): no database, so
their tests need none.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol

from scoring import engine


class HistoryPoint(Protocol):
    """A dated score of the history chart (a ScoreSnapshot, or a test's stand-in)."""

    created_at: datetime.datetime
    score: float | None


def report_groups(breakdown: dict) -> list[dict]:
    """Return the three groups in display order, each with its label (suppressed ones too)."""
    groups = breakdown.get("groups") or {}
    return [
        {**groups[name], "label": engine.GROUP_LABELS[name]}
        for name in (engine.GROUP_ALL, engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
        if name in groups
    ]


def report_charts(
    breakdown: dict, history: Sequence[HistoryPoint], usage_months: Sequence[dict]
) -> dict[str, dict]:
    """Return the data of the report's Chart.js charts; suppressed groups are left out."""
    shown = [group for group in report_groups(breakdown) if not group.get("suppressed")]
    dimensions = [engine.DIMENSION_LABELS[d] for d in engine.ADKAR]
    pair = [g for g in shown if g["group"] in (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)]
    barrier_max = (breakdown.get("thresholds") or {}).get("barrier_max", 3.0)
    return {
        "adkar": {
            "type": "bar",
            "labels": dimensions,
            "datasets": [
                {
                    "label": g["label"],
                    "data": [(g["element_means"] or {}).get(d) for d in engine.ADKAR],
                }
                for g in shown
            ],
            "y": {"min": 1, "max": 5, "title": "Mean answer (1–5)"},
            "barrierLine": barrier_max,
        },
        "barriers": {
            "type": "bar",
            "labels": [*dimensions, "No barrier"],
            "datasets": [
                {
                    "label": g["label"],
                    "data": [
                        100 * (g["barrier_distribution"] or {}).get(point, 0.0)
                        for point in engine.BARRIER_POINTS
                    ],
                }
                for g in shown
            ],
            "y": {"min": 0, "max": 100, "title": "Share of respondents (%)"},
        },
        "segments": {
            "type": "bar",
            "labels": ["ADKAR index", "Leadership index", "Sentiment index"],
            "datasets": [
                {
                    "label": g["label"],
                    "data": [g["adkar_index"], g["leadership_index"], g["sentiment_index"]],
                }
                for g in pair
            ],
            "y": {"min": 0, "max": 100, "title": "Index (0–100)"},
        },
        "nps": {
            "type": "bar",
            "indexAxis": "y",
            "stacked": True,
            "labels": [g["label"] for g in shown],
            "datasets": [
                {
                    "label": kind.capitalize(),
                    "data": [(g.get("nps_counts") or {}).get(kind) for g in shown],
                }
                for kind in ("promoters", "passives", "detractors")
            ],
            "y": {"title": "Respondents"},
        },
        "history": {
            "type": "line",
            "labels": [f"{s.created_at:%Y-%m-%d}" for s in history],
            "datasets": [{"label": "Score", "data": [s.score for s in history]}],
            "y": {"min": 0, "max": 100, "title": "Score (0–100)"},
        },
        "usage": {
            "type": "line",
            "labels": [month["label"] for month in usage_months],
            "datasets": [
                {
                    "label": "Monthly active users",
                    "data": [month["active_users"] for month in usage_months],
                },
                {
                    "label": "Licensed seats",
                    "data": [month["licensed_seats"] for month in usage_months],
                },
            ],
            "y": {"min": 0, "title": "Users"},
        },
    }
