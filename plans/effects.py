"""The effect of change-plan actions between two rounds (SPEC §10): pure Python, no Django.

For each action carried out between an earlier round (the one whose results led to it) and a
later one, the figure it targeted is taken for its target group in both rounds: before, after
and change, or why there is none ("not measured yet", "group too small"). Groups under the
minimum group size are never measured, like everywhere else: each round's figures are judged
with `scoring.suppression.disclose()` over all its splits (role, department, attributes) as the
report judges them, so a department the report hides to protect a smaller one (secondary
suppression) is not measured here either. Selectors turn rows into `Round`s; `plans.services` stores each `Effect` with its snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from scoring import engine, suppression

DEPARTMENT_PREFIX = "department:"

NOT_MEASURED = "not measured yet"
TOO_SMALL = "group too small"
# A group large enough alone whose figures, with the report's, would reveal a smaller one.
PROTECTED = "hidden to protect a smaller group"

MEASURED, STATE_TOO_SMALL, STATE_NOT_MEASURED = "measured", "too_small", "not_measured"
BETTER, WORSE, UNCHANGED = "better", "worse", "unchanged"

# Bump when the shape or the rules of `Effect.as_dict()` change, so readers can tell old
# stored effects. 2: groups judged with secondary suppression over every split of the round.
EFFECT_SCHEMA = 2


@dataclass(frozen=True)
class Member:
    """One submitted respondent of a round, with the department of their invitation."""

    respondent: engine.Respondent
    department: str = ""


@dataclass(frozen=True)
class Round:
    """One assessment round as the effect needs it: who answered what, and the usage index."""

    name: str
    members: tuple[Member, ...]
    usage_index: float | None = None


@dataclass(frozen=True)
class PlannedAction:
    action_id: int
    target: str
    target_group: str


@dataclass(frozen=True)
class Measure:
    """One targeted figure before and after; `note` says why it has no figures."""

    code: str
    label: str
    before: float | None
    after: float | None
    change: float | None
    note: str
    unit: str
    digits: int
    verdict: str


@dataclass(frozen=True)
class Effect:
    action_id: int
    target: str
    target_group: str
    before_round: str
    after_round: str
    state: str
    measures: tuple[Measure, ...]

    def as_dict(self) -> dict[str, object]:
        """Return the effect as plain JSON-ready data (what `ActionEffect.result` stores)."""
        return {
            "schema": EFFECT_SCHEMA,
            "action_id": self.action_id,
            "target": self.target,
            "target_group": self.target_group,
            "before_round": self.before_round,
            "after_round": self.after_round,
            "state": self.state,
            "measures": [asdict(measure) for measure in self.measures],
        }


def group_members(members: Sequence[Member], target_group: str) -> tuple[engine.Respondent, ...]:
    """Return the respondents of a target group: all, leadership, end users or a department."""
    if target_group == engine.GROUP_ALL:
        return tuple(m.respondent for m in members)
    if target_group == engine.GROUP_LEADERSHIP:
        return tuple(m.respondent for m in members if m.respondent.role in engine.LEADERSHIP_ROLES)
    if target_group == engine.GROUP_END_USERS:
        return tuple(m.respondent for m in members if m.respondent.role in engine.END_USER_ROLES)
    department = target_group.removeprefix(DEPARTMENT_PREFIX)
    return tuple(m.respondent for m in members if m.department == department)


def _segment_ref(group: str) -> suppression.SegmentRef:
    """Return where the report's disclosure holds a target group: all, a role, a department."""
    if group in (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS):
        return (engine.ROLE_SPLIT, group)
    if group.startswith(DEPARTMENT_PREFIX):
        return (engine.DEPARTMENT_SPLIT, group.removeprefix(DEPARTMENT_PREFIX))
    return suppression.ALL_REF


def _disclosure(round_: Round, model: engine.ModelParameters) -> suppression.Disclosure:
    """Return what the report of `round_` may show: every split judged together."""
    respondents = [
        replace(
            m.respondent, segments={**m.respondent.segments, engine.DEPARTMENT_SPLIT: m.department}
        )
        if m.department
        else m.respondent
        for m in round_.members
    ]
    return suppression.disclose(engine.population(respondents, model.min_group_size))


def _figures(
    round_: Round | None, group: str, model: engine.ModelParameters
) -> engine.GroupFigures | None:
    if round_ is None:
        return None
    return engine.group_figures(
        group,
        group_members(round_.members, group),
        model,
        _disclosure(round_, model),
        _segment_ref(group),
    )


def _verdict(change: float, digits: int, higher_is_better: bool) -> str:
    if round(change, digits) == 0:
        return UNCHANGED
    return BETTER if (change > 0) == higher_is_better else WORSE


def _measure(
    code: str,
    label: str,
    before: float | None,
    after: float | None,
    *,
    unit: str = "",
    digits: int = 1,
    higher_is_better: bool = True,
    note: str = "",
) -> Measure:
    if note or before is None or after is None:
        return Measure(code, label, None, None, None, note or NOT_MEASURED, unit, digits, "")
    change = after - before
    return Measure(
        code, label, before, after, change, "", unit, digits,
        _verdict(change, digits, higher_is_better),
    )  # fmt: skip


def _group_note(before: engine.GroupFigures | None, after: engine.GroupFigures | None) -> str:
    if after is None:
        return NOT_MEASURED
    if before is None or before.suppressed or after.suppressed:
        reasons = {f.hidden_reason for f in (before, after) if f is not None and f.suppressed}
        return PROTECTED if reasons == {suppression.DERIVABLE} else TOO_SMALL
    return ""


def _dimension_measures(
    dimension: str,
    group: str,
    before: engine.GroupFigures | None,
    after: engine.GroupFigures | None,
) -> tuple[Measure, ...]:
    note = _group_note(before, after)
    label = engine.DIMENSION_LABELS[dimension]
    means = [(f.element_means or {}).get(dimension) if f else None for f in (before, after)]
    shares = [
        100.0 * (f.barrier_distribution or {}).get(dimension, 0.0)
        if f and f.barrier_distribution is not None
        else None
        for f in (before, after)
    ]
    return (
        _measure("mean", f"{label} mean (1–5)", *means, digits=2, note=note),
        _measure(
            "barrier_share",
            f"Share whose barrier point is {label}",
            *shares,
            unit="%",
            higher_is_better=False,
            note=note,
        ),
    )


def _usage_measure(before: Round | None, after: Round | None) -> Measure:
    return _measure(
        "usage_index",
        "Usage index",
        before.usage_index if before else None,
        after.usage_index if after else None,
    )


def effect_of(
    action: PlannedAction,
    before: Round | None,
    after: Round | None,
    model: engine.ModelParameters,
) -> Effect:
    """Return what changed in the figure `action` targets between `before` and `after`."""
    if action.target in engine.ADKAR:
        measures = _dimension_measures(
            action.target,
            action.target_group,
            _figures(before, action.target_group, model),
            _figures(after, action.target_group, model),
        )
    elif action.target == engine.FORCED_ADOPTION:
        end_users = [_figures(r, engine.GROUP_END_USERS, model) for r in (before, after)]
        measures = (
            _measure(
                "sentiment_index",
                "End users' sentiment index",
                *[f.sentiment_index if f else None for f in end_users],
                note=_group_note(*end_users),
            ),
            _usage_measure(before, after),
        )
    elif action.target == engine.LEADERSHIP_GAP:
        gaps, notes = [], []
        for round_ in (before, after):
            leaders = _figures(round_, engine.GROUP_LEADERSHIP, model)
            end_users = _figures(round_, engine.GROUP_END_USERS, model)
            notes.append(_group_note(leaders, end_users) if round_ else NOT_MEASURED)
            gaps.append(
                leaders.adkar_index - end_users.adkar_index
                if leaders and end_users and not notes[-1]
                and leaders.adkar_index is not None and end_users.adkar_index is not None
                else None
            )  # fmt: skip
        note = NOT_MEASURED if NOT_MEASURED in notes else next((n for n in notes if n), "")
        measures = (
            _measure(
                "gap",
                "Leadership's ADKAR index above the end users'",
                *gaps,
                unit="points",
                higher_is_better=False,
                note=note,
            ),
        )
    elif action.target == engine.SAY_DO_GAP:
        measures = (_usage_measure(before, after),)
    else:
        raise ValueError(f"Unknown action target: {action.target}")
    return Effect(
        action_id=action.action_id,
        target=action.target,
        target_group=action.target_group,
        before_round=before.name if before else "",
        after_round=after.name if after else "",
        state=_state(measures),
        measures=measures,
    )


def _state(measures: Sequence[Measure]) -> str:
    if any(not measure.note for measure in measures):
        return MEASURED
    if any(measure.note in (TOO_SMALL, PROTECTED) for measure in measures):
        return STATE_TOO_SMALL
    return STATE_NOT_MEASURED


# --- Effects stored under an earlier rule ----------------------------------------------------

# The groups whose figures each target's measures show (the usage index belongs to no group).
_FLAG_GROUPS: dict[str, tuple[str, ...]] = {
    engine.FORCED_ADOPTION: (engine.GROUP_END_USERS,),
    engine.LEADERSHIP_GAP: (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS),
    engine.SAY_DO_GAP: (),
}
USAGE_MEASURE = "usage_index"


def _hidden_by(breakdown: Mapping[str, Any], group: str) -> str | None:
    """Return why the snapshot's report hides `group` (None when it shows it)."""
    if group.startswith(DEPARTMENT_PREFIX):
        departments = (breakdown.get("segments") or {}).get(engine.DEPARTMENT_SPLIT) or {}
        entry = departments.get(group.removeprefix(DEPARTMENT_PREFIX))
    else:
        entry = engine.shown_groups(breakdown).get(group)
    if not entry:
        return suppression.TOO_SMALL  # a group the report does not show at all
    if entry.get("suppressed"):
        return entry.get("hidden_reason") or suppression.TOO_SMALL
    return None


def shown_result(result: Mapping[str, Any], breakdown: Mapping[str, Any] | None) -> dict:
    """Return a stored effect as it may be shown today, judged against its snapshot's report.

    Effects stored before schema 2 judged each group alone. Their figures stay only where the
    snapshot that measured them shows every group they come from; otherwise they read as
    "group too small" (or "hidden to protect a smaller group"), as a new measure would.
    """
    if result.get("schema", 1) >= 2 or result.get("state") != MEASURED:
        return dict(result)
    target, group = result.get("target", ""), result.get("target_group", engine.GROUP_ALL)
    groups = _FLAG_GROUPS.get(target, (group,))
    reasons = {reason for g in groups if (reason := _hidden_by(breakdown or {}, g))}
    if not reasons:
        return dict(result)
    note = PROTECTED if reasons == {suppression.DERIVABLE} else TOO_SMALL
    measures = [
        measure
        if measure.get("code") == USAGE_MEASURE
        else {**measure, "before": None, "after": None, "change": None, "note": note,
              "verdict": ""}
        for measure in result.get("measures") or []
    ]  # fmt: skip
    state = MEASURED if any(not m.get("note") for m in measures) else STATE_TOO_SMALL
    return {**result, "measures": measures, "state": state}
