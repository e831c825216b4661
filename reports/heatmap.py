"""The segment heatmap (SPEC §11) shaped from stored snapshot breakdowns: pure, no Django.

Rows are the segments of one split (role, department, or an attribute of the invitation list),
columns the five ADKAR means, the leadership and sentiment indices and the most frequent barrier
point. Every figure comes from a breakdown the engine stored after `suppression.disclose()`, so a
hidden segment stays hidden here; comparing two rounds puts each figure beside its change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scoring import engine

ROLE = engine.ROLE_SPLIT
DEPARTMENT = "department"
ATTRIBUTE_PREFIX = "attribute:"
NOT_GIVEN = "Not given"

INDEX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("leadership_index", "Leadership index"),
    ("sentiment_index", "Sentiment index"),
)


@dataclass(frozen=True)
class Cell:
    """One figure of a segment: its value, whether it is at or below the barrier line, change."""

    value: float | None
    below: bool | None
    change: float | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    responses: int | None
    hidden_reason: str | None
    cells: tuple[Cell, ...]
    barrier: str | None
    barrier_share: float | None

    @property
    def hidden(self) -> bool:
        return self.hidden_reason is not None


@dataclass(frozen=True)
class Heatmap:
    split: str
    split_label: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    barrier_max: float
    index_line: float
    min_group_size: int
    figures_hidden: bool
    compared: bool


def split_label(split: str) -> str:
    """Return how a split is named on the page ("attribute:team" → "Team")."""
    if split == ROLE:
        return "Role"
    return split.removeprefix(ATTRIBUTE_PREFIX).capitalize()


def splits(breakdown: Mapping) -> list[tuple[str, str]]:
    """Return the splits a breakdown can be cut by: role, department, then the attributes."""
    names = sorted(
        (breakdown.get("segments") or {}).keys(),
        key=lambda name: (name != DEPARTMENT, name),
    )
    return [(split, split_label(split)) for split in (ROLE, *names)]


def segment_label(key: str) -> str:
    """Return a segment's name, or "Not given" for respondents without a value."""
    return engine.GROUP_LABELS.get(key, key) if key else NOT_GIVEN


def most_frequent_barrier(distribution: Mapping[str, float] | None) -> tuple[str | None, float]:
    """Return the barrier point most respondents share (first in ADKAR order on a tie)."""
    if not distribution:
        return None, 0.0
    point = max(engine.BARRIER_POINTS, key=lambda p: (distribution.get(p, 0.0), -_order(p)))
    return point, distribution.get(point, 0.0)


def _order(point: str) -> int:
    return engine.BARRIER_POINTS.index(point)


def _segments(split: str, groups: Mapping[str, Mapping], breakdown: Mapping) -> dict:
    if split == ROLE:
        return {
            name: groups[name]
            for name in (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
            if name in groups
        }
    found = dict((breakdown.get("segments") or {}).get(split) or {})
    # Named segments in alphabetical order, respondents without a value last.
    return dict(sorted(found.items(), key=lambda item: (item[0] == "", item[0].lower())))


def _values(group: Mapping) -> list[float | None]:
    means = group.get("element_means") or {}
    return [means.get(d) for d in engine.ADKAR] + [group.get(key) for key, _ in INDEX_COLUMNS]


def build(
    *,
    split: str,
    groups: Mapping[str, Mapping],
    breakdown: Mapping,
    previous_groups: Mapping[str, Mapping] | None = None,
    previous_breakdown: Mapping | None = None,
) -> Heatmap:
    """Return the heatmap of `split` from a round's stored figures, with changes when compared.

    `groups` are the breakdown's role groups as they may be shown (old snapshots get their
    secondary suppression from the caller); `previous_*` are the other round's.
    """
    thresholds = breakdown.get("thresholds") or {}
    barrier_max = float(thresholds.get("barrier_max", 3.0))
    index_line = engine.to100(barrier_max)
    lines = [barrier_max] * len(engine.ADKAR) + [index_line] * len(INDEX_COLUMNS)
    current = {engine.GROUP_ALL: groups.get(engine.GROUP_ALL) or {}} | _segments(
        split, groups, breakdown
    )
    before: dict = {}
    if previous_breakdown is not None:
        previous_groups = previous_groups or {}
        before = {engine.GROUP_ALL: previous_groups.get(engine.GROUP_ALL) or {}} | _segments(
            split, previous_groups, previous_breakdown
        )
    rows = []
    for key, group in current.items():
        hidden = bool(group.get("suppressed")) or not group
        reason = (group.get("hidden_reason") or engine_reason(group)) if hidden else None
        earlier = before.get(key) or {}
        earlier_values = (
            _values(earlier) if earlier and not earlier.get("suppressed") else [None] * 7
        )
        cells = []
        if not hidden:
            for value, line, old in zip(_values(group), lines, earlier_values, strict=True):
                cells.append(
                    Cell(
                        value=value,
                        below=None if value is None else value <= line + engine.TOLERANCE,
                        change=None if value is None or old is None else value - old,
                    )
                )
        barrier, share = most_frequent_barrier(None if hidden else group["barrier_distribution"])
        rows.append(
            Row(
                key=key,
                label=engine.GROUP_LABELS[key] if key == engine.GROUP_ALL else segment_label(key),
                responses=None if hidden else group.get("responses"),
                hidden_reason=reason,
                cells=tuple(cells),
                barrier=None if barrier is None else _barrier_label(barrier),
                barrier_share=share if barrier is not None else None,
            )
        )
    return Heatmap(
        split=split,
        split_label=split_label(split),
        columns=(
            *(engine.DIMENSION_LABELS[d] for d in engine.ADKAR),
            *(label for _, label in INDEX_COLUMNS),
        ),
        rows=tuple(rows),
        barrier_max=barrier_max,
        index_line=index_line,
        min_group_size=int(thresholds.get("min_group_size", 1)),
        figures_hidden=any(row.hidden and row.key != engine.GROUP_ALL for row in rows)
        or bool(breakdown.get("figures_hidden")),
        compared=previous_breakdown is not None,
    )


def engine_reason(group: Mapping) -> str:
    """Return why a stored group without a reason (an older snapshot) is hidden."""
    return "too_small" if group else "no_data"


def _barrier_label(point: str) -> str:
    return engine.DIMENSION_LABELS.get(point, "No barrier")
