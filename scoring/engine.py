"""The Adoption Readiness calculation of SPEC §4: pure Python, frozen dataclasses in and out.

Nothing here imports Django or touches I/O. `scoring.evidence` turns database rows into a
`ScoreInput`; `scoring.services` stores the `ScoreResult` as a snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain, repeat
from math import fsum
from typing import Any, NamedTuple

from scoring import suppression
from usage import formulas

ADKAR: tuple[str, ...] = ("awareness", "desire", "knowledge", "ability", "reinforcement")
DIMENSION_LABELS: dict[str, str] = {
    "awareness": "Awareness",
    "desire": "Desire",
    "knowledge": "Knowledge",
    "ability": "Ability",
    "reinforcement": "Reinforcement",
}
NO_BARRIER = "none"
BARRIER_POINTS: tuple[str, ...] = (*ADKAR, NO_BARRIER)

LEADERSHIP_ROLES = frozenset({"sponsor", "manager"})
END_USER_ROLES = frozenset({"end_user"})

GROUP_ALL, GROUP_LEADERSHIP, GROUP_END_USERS = "all", "leadership", "end_users"
GROUP_LABELS: dict[str, str] = {
    GROUP_ALL: "All respondents",
    GROUP_LEADERSHIP: "Leadership",
    GROUP_END_USERS: "End users",
}

COMPONENTS: tuple[str, ...] = ("adkar", "leadership", "sentiment", "usage")
COMPONENT_LABELS: dict[str, str] = {
    "adkar": "ADKAR readiness",
    "leadership": "Leadership support",
    "sentiment": "Sentiment (NPS)",
    "usage": "Usage",
}

READY, AT_RISK, NOT_READY = "ready", "at_risk", "not_ready"
BAND_LABELS: dict[str, str] = {READY: "Ready", AT_RISK: "At risk", NOT_READY: "Not ready"}

FORCED_ADOPTION = "forced_adoption"
LEADERSHIP_GAP = "leadership_gap"
SAY_DO_GAP = "say_do_gap"
LOW_CONFIDENCE = "low_confidence"
FLAG_LABELS: dict[str, str] = {
    FORCED_ADOPTION: "Forced adoption",
    LEADERSHIP_GAP: "Leadership gap",
    SAY_DO_GAP: "Say-do gap",
    LOW_CONFIDENCE: "Low confidence",
}

DEFAULT_ACTIONS: dict[str, str] = {
    "awareness": "Sponsor-led communication of the reasons for the change: why now, what problem "
    "it solves and what happens if nothing changes.",
    "desire": "Involve managers as coaches, answer “what's in it for me” for each role and "
    "manage resistance openly.",
    "knowledge": "Role-based training and job aids that show exactly what changes in each "
    "person's daily work.",
    "ability": "Hands-on practice, floor support during the switch and protected time to learn.",
    "reinforcement": "Recognize early adopters, share adoption metrics and remove the old way of "
    "working.",
}


# Bump when the shape of `ScoreResult.as_dict()` changes, so readers can tell old snapshots.
BREAKDOWN_SCHEMA = 3


# Figures are sums and means of floats: 55 can come out as 55.000000000001. Comparisons with a
# threshold allow this much, so a figure exactly on a threshold counts as reaching it.
TOLERANCE = 1e-9


def _reaches(value: float, threshold: float) -> bool:
    """Return whether `value` is at least `threshold`, allowing float rounding."""
    return value >= threshold - TOLERANCE


def to100(value: float) -> float:
    """Return a 1–5 Likert value (or mean) on the 0–100 scale."""
    return (value - 1.0) / 4.0 * 100.0


# --- Inputs -------------------------------------------------------------------------------


class InvalidInput(ValueError):
    """Inputs the calculation refuses: a figure that is not finite, or that makes one."""


def _finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise InvalidInput(f"{name} is {value!r}: every figure must be a finite number.")


def check_inputs(inputs: ScoreInput) -> None:
    """Raise InvalidInput when a model parameter or a usage figure is not a finite number."""
    model = inputs.model
    for name, weight in model.weights.items():
        _finite(f"weight {name}", weight)
    for name in (
        "ready_threshold",
        "at_risk_threshold",
        "forced_adoption_usage_min",
        "forced_adoption_sentiment_max",
        "leadership_gap_min",
        "say_do_element_min",
        "say_do_usage_max",
        "low_confidence_min_rate",
        "barrier_max",
        "action_barrier_share",
        "action_mean_max",
    ):
        _finite(name, getattr(model, name))
    if inputs.usage is not None:
        _finite("usage stickiness", inputs.usage.stickiness)


@dataclass(frozen=True)
class Respondent:
    """One submitted response: its role, answered Likert values per dimension and NPS answer.

    `likert` maps a dimension (the five ADKAR ones and `leadership`) to the values 1–5 of its
    answered items; "Don't know" answers are simply absent. `segments` maps a split other than
    role (`department`, or an attribute of the invitation list such as `location`) to the
    respondent's value in it; a missing or blank value is a segment of its own.
    """

    role: str
    likert: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    nps: int | None = None
    segments: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageFigures:
    """A project's usage in its 30-day window, as counted from imported usage events."""

    active_users: int
    licensed_seats: int | None
    features_used: int | None = None
    features_tracked: int = 0
    stickiness: float | None = None
    window_start: str | None = None
    window_end: str | None = None


@dataclass(frozen=True)
class ModelParameters:
    """The workspace's scoring model: weights, thresholds, minimum group size, action texts."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "adkar": 40.0,
            "leadership": 25.0,
            "sentiment": 15.0,
            "usage": 20.0,
        }
    )
    ready_threshold: float = 70.0
    at_risk_threshold: float = 50.0
    forced_adoption_usage_min: float = 70.0
    forced_adoption_sentiment_max: float = 50.0
    leadership_gap_min: float = 20.0
    say_do_element_min: float = 4.0
    say_do_usage_max: float = 40.0
    low_confidence_min_responses: int = 5
    low_confidence_min_rate: float = 0.30
    min_group_size: int = 3
    barrier_max: float = 3.0
    action_barrier_share: float = 0.25
    action_mean_max: float = 3.0
    actions: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))


@dataclass(frozen=True)
class ScoreInput:
    """Everything one calculation needs: respondents, invitations, usage and the model.

    The respondents come either listed (`respondents`) or already counted (`tallies`, as the
    recalculation reads them from the database, under the model's barrier maximum).
    """

    respondents: tuple[Respondent, ...]
    invitations: int
    usage: UsageFigures | None
    project_live: bool
    model: ModelParameters = field(default_factory=ModelParameters)
    tallies: Tallies | None = None

    def counted(self) -> Tallies:
        """Return the respondents as the calculation counts them."""
        if self.tallies is None:
            return tally(self.respondents, self.model.barrier_max)
        if self.respondents:
            raise ValueError("Give the respondents either listed or tallied, not both.")
        if self.tallies.barrier_max != self.model.barrier_max:
            raise ValueError("The tallies' barrier points were found under another model.")
        return self.tallies


# --- Results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    """One segment's figures; all None (its count too) when suppressed for anonymity.

    `hidden_reason` says why a suppressed group is hidden: `too_small`, or `derivable` when its
    figures with those shown would give a smaller group's. A shown group may still have single
    figures hidden (None), when too few of its respondents answered them.
    """

    group: str
    responses: int | None
    suppressed: bool
    element_means: Mapping[str, float | None] | None
    adkar_index: float | None
    leadership_index: float | None
    nps: float | None
    sentiment_index: float | None
    barrier_distribution: Mapping[str, float] | None
    nps_counts: Mapping[str, int] | None = None
    hidden_reason: str | None = None


@dataclass(frozen=True)
class UsageBreakdown:
    active_users: int
    licensed_seats: int | None
    utilization: float | None
    features_used: int | None
    features_tracked: int
    feature_breadth: float | None
    stickiness: float | None
    index: float | None
    window_start: str | None
    window_end: str | None


@dataclass(frozen=True)
class Component:
    """One term of the weighted score: its index, weight and contribution in points."""

    name: str
    label: str
    index: float | None
    weight: float
    points: float | None
    missing: bool


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    message: str
    figures: Mapping[str, Any]


@dataclass(frozen=True)
class RecommendedAction:
    dimension: str
    label: str
    text: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Confidence:
    responses: int
    invitations: int
    response_rate: float | None


@dataclass(frozen=True)
class ScoreResult:
    """The outcome of one calculation, with everything needed to explain it."""

    score: float | None
    band: str | None
    components: tuple[Component, ...]
    missing_components: tuple[str, ...]
    groups: Mapping[str, GroupFigures]
    usage: UsageBreakdown | None
    flags: tuple[Flag, ...]
    actions: tuple[RecommendedAction, ...]
    confidence: Confidence
    thresholds: Mapping[str, float] = field(default_factory=dict)
    # Split (department, an invitation-list attribute) → segment value → its figures.
    segments: Mapping[str, Mapping[str, GroupFigures]] = field(default_factory=dict)
    figures_hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-ready data (the snapshot breakdown)."""
        return {
            "schema": BREAKDOWN_SCHEMA,
            "score": self.score,
            "band": self.band,
            "components": [asdict(component) for component in self.components],
            "missing_components": list(self.missing_components),
            "groups": {name: _group_dict(group) for name, group in self.groups.items()},
            "usage": asdict(self.usage) if self.usage is not None else None,
            "flags": [
                {"code": f.code, "label": f.label, "message": f.message, "figures": dict(f.figures)}
                for f in self.flags
            ],
            "actions": [
                {
                    "dimension": a.dimension,
                    "label": a.label,
                    "text": a.text,
                    "reasons": list(a.reasons),
                }
                for a in self.actions
            ],
            "confidence": asdict(self.confidence),
            "thresholds": dict(self.thresholds),
            "segments": {
                split: {key: _group_dict(group) for key, group in groups.items()}
                for split, groups in self.segments.items()
            },
            "figures_hidden": self.figures_hidden,
        }


def shown_groups(breakdown: Mapping[str, Any]) -> dict[str, dict]:
    """Return a snapshot's groups, with secondary suppression for snapshots stored before it.

    Before breakdown schema 3 a snapshot hid only the groups that were too small; leadership
    and end users together make up "all", so when one is hidden the other must be too.
    """
    groups = dict(breakdown.get("groups") or {})
    if breakdown.get("schema", 0) >= 3:
        return groups
    pair = (GROUP_LEADERSHIP, GROUP_END_USERS)
    if any((groups.get(name) or {}).get("suppressed") for name in pair):
        for name in pair:
            if name in groups:
                groups[name] = {**groups[name], "suppressed": True, "responses": None}
    return groups


def _group_dict(group: GroupFigures) -> dict[str, Any]:
    data = asdict(group)
    for key in ("element_means", "barrier_distribution", "nps_counts"):
        if data[key] is not None:
            data[key] = dict(data[key])
    return data


# --- Per respondent -----------------------------------------------------------------------

# Means are `fsum(values) / len(values)`: exactly what `statistics.fmean` returns, without its
# overhead, which was a third of a 1,000-respondent calculation.


def element_scores(respondent: Respondent) -> dict[str, float | None]:
    """Return the respondent's mean answer per ADKAR dimension (None when none answered)."""
    likert = respondent.likert
    return {
        dimension: fsum(values) / len(values) if (values := likert.get(dimension)) else None
        for dimension in ADKAR
    }


def barrier_point(elements: Mapping[str, float | None], barrier_max: float = 3.0) -> str:
    """Return the first ADKAR dimension whose element score is at most `barrier_max`."""
    for dimension in ADKAR:
        value = elements.get(dimension)
        if value is not None and value <= barrier_max + TOLERANCE:
            return dimension
    return NO_BARRIER


def leadership_score(respondent: Respondent) -> float | None:
    """Return the mean of the respondent's answered leadership items."""
    values = respondent.likert.get("leadership")
    return fsum(values) / len(values) if values else None


# --- Tallies ------------------------------------------------------------------------------

# Every figure of a group is a count, a share of a count, or a mean of the respondents' own
# means: so respondents who give the same value to a figure can be counted instead of listed.
# The calculation works on such counts (`Tallies`): the database makes them for the
# recalculation (scoring.evidence) in one statement, and `tally()` makes them from respondents
# for every other caller. Either way a group's mean is `fsum()` over the same multiset of
# floats as the respondents' list gave, so every figure is exactly what it was.

# A respondent's splits besides role, as sorted (split, value) pairs with a non-blank value.
Segments = tuple[tuple[str, str], ...]


class People(NamedTuple):
    """`count` respondents of one role and segments with the same barrier point and NPS answer,
    who answered the same Likert measures (`answered`, by name)."""

    role: str
    segments: Segments
    barrier: str
    nps: int | None
    answered: frozenset[str]
    count: int


class Sums(NamedTuple):
    """`count` respondents of one role and segments whose `answered` answers to a Likert
    measure add up to `total`: each has the mean `total / answered` for it."""

    role: str
    segments: Segments
    measure: str
    total: float
    answered: int
    count: int


@dataclass(frozen=True)
class Tallies:
    """The respondents as the calculation counts them; barrier points under `barrier_max`."""

    people: tuple[People, ...]
    sums: tuple[Sums, ...]
    barrier_max: float

    @property
    def responses(self) -> int:
        return sum(person.count for person in self.people)


def tally(respondents: Iterable[Respondent], barrier_max: float = 3.0) -> Tallies:
    """Return the respondents counted as the calculation needs them."""
    people: dict[tuple, int] = {}
    sums: dict[tuple, int] = {}
    for respondent in respondents:
        segments = tuple(sorted((k, v) for k, v in respondent.segments.items() if v))
        answered = []
        for measure, values in respondent.likert.items():
            if values and measure in LIKERT_MEASURES:
                answered.append(measure)
                # Answers are whole numbers: their total too, as the database sums them.
                total = fsum(values)
                total = int(total) if total.is_integer() else total
                key = (respondent.role, segments, measure, total, len(values))
                sums[key] = sums.get(key, 0) + 1
        barrier = barrier_point(element_scores(respondent), barrier_max)
        key = (respondent.role, segments, barrier, respondent.nps, frozenset(answered))
        people[key] = people.get(key, 0) + 1
    return Tallies(
        people=tuple(People(*key, count) for key, count in people.items()),
        sums=tuple(Sums(*key, count) for key, count in sums.items()),
        barrier_max=barrier_max,
    )


class _Members(NamedTuple):
    """The tallies of one group's respondents."""

    people: list[People]
    sums: list[Sums]

    @property
    def count(self) -> int:
        return sum(person.count for person in self.people)


def _members(tallies: Tallies, role: frozenset[str] | None = None) -> _Members:
    """Return the tallies of everyone, or of the respondents of the `role`s."""
    if role is None:
        return _Members(list(tallies.people), list(tallies.sums))
    return _Members(
        [p for p in tallies.people if p.role in role], [s for s in tallies.sums if s.role in role]
    )


def _segment_members(tallies: Tallies, split: str) -> dict[str, _Members]:
    """Return the tallies of each segment of a split ("" for a missing or blank value)."""
    members: dict[str, _Members] = {}
    for person in tallies.people:
        value = dict(person.segments).get(split, "")
        members.setdefault(value, _Members([], [])).people.append(person)
    for sums in tallies.sums:
        value = dict(sums.segments).get(split, "")
        members.setdefault(value, _Members([], [])).sums.append(sums)
    return members


# --- Per group ----------------------------------------------------------------------------


def _mean_of(sums: Iterable[Sums], measure: str) -> float | None:
    """Return the mean over respondents of their mean answer to `measure` (None if nobody
    answered it): fsum over each respondent's mean, as over a list of respondents."""
    means = [(s.total / s.answered, s.count) for s in sums if s.measure == measure]
    if not means:
        return None
    total = fsum(chain.from_iterable(repeat(mean, count) for mean, count in means))
    return total / sum(count for _, count in means)


def _nps_figures(people: Iterable[People]) -> tuple[float | None, dict[str, int]]:
    """Return the NPS (−100 … 100, None without answers) of the people's 0–10 answers, and
    how many are promoters (9–10), passives (7–8) and detractors (0–6)."""
    answered = promoters = detractors = 0
    for person in people:
        if person.nps is None:
            continue
        answered += person.count
        if person.nps >= 9:
            promoters += person.count
        elif person.nps <= 6:
            detractors += person.count
    counts = {
        "promoters": promoters,
        "passives": answered - promoters - detractors,
        "detractors": detractors,
    }
    return (100.0 * (promoters - detractors) / answered if answered else None), counts


ROLE_SPLIT = "role"
# The split of respondents by the department of their invitation (scoring.evidence fills it).
DEPARTMENT_SPLIT = "department"
NPS_MEASURE = "nps"
LIKERT_MEASURES: tuple[str, ...] = (*ADKAR, "leadership")


def population(respondents: Sequence[Respondent], min_group_size: int) -> suppression.Population:
    """Return the respondents cut by role and by every other split they carry."""
    return _population(tally(respondents), min_group_size)


def _population(tallies: Tallies, min_group_size: int) -> suppression.Population:
    """Return the tallied respondents cut by role and by every other split they carry.

    The suppression rule sees sets of respondents: each tally of people stands for as many
    numbered members. Only the sets' sizes and overlaps count, so which numbers each respondent
    gets changes nothing.
    """
    ranges: list[tuple[People, range]] = []
    start = 0
    for person in tallies.people:
        ranges.append((person, range(start, start + person.count)))
        start += person.count

    def members(keep: Callable[[People], bool]) -> frozenset[int]:
        return frozenset(chain.from_iterable(numbers for p, numbers in ranges if keep(p)))

    splits = [
        suppression.Split(
            ROLE_SPLIT,
            {
                GROUP_LEADERSHIP: members(lambda p: p.role in LEADERSHIP_ROLES),
                GROUP_END_USERS: members(lambda p: p.role in END_USER_ROLES),
            },
        )
    ]
    for name in _disclosure_splits(tallies):
        segments: dict[str, list[range]] = {}
        for person, numbers in ranges:
            segments.setdefault(dict(person.segments).get(name, ""), []).append(numbers)
        splits.append(
            suppression.Split(
                name, {k: frozenset(chain.from_iterable(v)) for k, v in segments.items()}
            )
        )
    cells = {
        measure: members(lambda p, measure=measure: measure in p.answered)
        for measure in LIKERT_MEASURES
    }
    cells[NPS_MEASURE] = members(lambda p: p.nps is not None)
    return suppression.Population(
        everyone=frozenset(range(start)),
        splits=tuple(splits),
        min_group_size=min_group_size,
        answered=cells,
    )


def group_figures(
    group: str,
    respondents: Sequence[Respondent],
    model: ModelParameters,
    disclosure: suppression.Disclosure | None = None,
    ref: suppression.SegmentRef = suppression.ALL_REF,
) -> GroupFigures:
    """Return a segment's element means, indices and barrier distribution, as far as shown.

    Without a `disclosure`, the segment is judged alone (too small or not) and all its figures
    are shown; the report always passes the disclosure of every split shown together.
    """
    tallies = tally(respondents, model.barrier_max)
    return _group_figures(group, _members(tallies), model, disclosure, ref)


def _group_figures(
    group: str,
    members: _Members,
    model: ModelParameters,
    disclosure: suppression.Disclosure | None = None,
    ref: suppression.SegmentRef = suppression.ALL_REF,
) -> GroupFigures:
    count = members.count
    if disclosure is None:
        disclosure = suppression.disclose(
            suppression.Population(
                everyone=frozenset(range(count)), min_group_size=model.min_group_size
            )
        )
    if not disclosure.shows(*ref):
        return GroupFigures(
            group, None, True, None, None, None, None, None, None, None, disclosure.reason(*ref)
        )

    def shown(measure: str) -> bool:
        return disclosure.shows_cell(*ref, measure)

    means = {
        dimension: _mean_of(members.sums, dimension) if shown(dimension) else None
        for dimension in ADKAR
    }
    present = [to100(mean) for mean in means.values() if mean is not None]
    leadership = _mean_of(members.sums, "leadership") if shown("leadership") else None
    nps, counts = _nps_figures(members.people) if shown(NPS_MEASURE) else (None, None)
    barriers = dict.fromkeys(BARRIER_POINTS, 0)
    for person in members.people:
        barriers[person.barrier] += person.count
    return GroupFigures(
        group=group,
        responses=count,
        suppressed=False,
        element_means=means,
        adkar_index=fsum(present) / len(present) if present else None,
        leadership_index=to100(leadership) if leadership is not None else None,
        nps=nps,
        sentiment_index=(nps + 100.0) / 2.0 if nps is not None else None,
        barrier_distribution={point: barriers[point] / count for point in BARRIER_POINTS},
        nps_counts=counts,
    )


def segment_figures(
    respondents: Sequence[Respondent],
    model: ModelParameters,
    disclosure: suppression.Disclosure,
) -> dict[str, dict[str, GroupFigures]]:
    """Return the figures of every segment of every split other than role, as disclosed."""
    return _segment_figures(tally(respondents, model.barrier_max), model, disclosure)


def _segment_figures(
    tallies: Tallies, model: ModelParameters, disclosure: suppression.Disclosure
) -> dict[str, dict[str, GroupFigures]]:
    result: dict[str, dict[str, GroupFigures]] = {}
    for split in _disclosure_splits(tallies):
        members = _segment_members(tallies, split)
        result[split] = {
            value: _group_figures(value, members[value], model, disclosure, (split, value))
            for value in sorted(members)
        }
    return result


def _disclosure_splits(tallies: Tallies) -> list[str]:
    return sorted({name for person in tallies.people for name, _ in person.segments})


# --- Usage --------------------------------------------------------------------------------


def usage_breakdown(usage: UsageFigures | None) -> UsageBreakdown | None:
    """Return utilization, feature breadth and the usage index (None without seats or data)."""
    if usage is None:
        return None
    utilization = formulas.license_utilization(usage.active_users, usage.licensed_seats)
    breadth = formulas.feature_breadth(usage.features_used, usage.features_tracked)
    index = formulas.usage_index(utilization, breadth)
    return UsageBreakdown(
        active_users=usage.active_users,
        licensed_seats=usage.licensed_seats,
        utilization=utilization,
        features_used=usage.features_used,
        features_tracked=usage.features_tracked,
        feature_breadth=breadth,
        stickiness=usage.stickiness,
        index=index,
        window_start=usage.window_start,
        window_end=usage.window_end,
    )


# --- Score, band, flags, actions ------------------------------------------------------------


def weighted_score(
    indices: Mapping[str, float | None], weights: Mapping[str, float]
) -> tuple[float | None, tuple[Component, ...]]:
    """Return the weighted mean over the present components and each component's share."""
    present = {
        name: index for name, index in indices.items() if index is not None and weights[name] > 0
    }
    total_weight = sum(weights[name] for name in present)
    score = None
    if total_weight > 0:
        score = sum(weights[name] * index for name, index in present.items()) / total_weight
    components = tuple(
        Component(
            name=name,
            label=COMPONENT_LABELS[name],
            index=indices[name],
            weight=weights[name],
            points=_points(name, indices[name], present, weights, total_weight),
            missing=indices[name] is None,
        )
        for name in COMPONENTS
    )
    return score, components


def _points(
    name: str,
    index: float | None,
    present: Mapping[str, float],
    weights: Mapping[str, float],
    total_weight: float,
) -> float | None:
    if name in present:
        return weights[name] * present[name] / total_weight
    # A present component with weight 0 contributes nothing; a missing one has no points.
    return 0.0 if index is not None and total_weight > 0 else None


def band_for(score: float | None, model: ModelParameters) -> str | None:
    """Return the band of a score under the model's thresholds."""
    if score is None:
        return None
    if _reaches(score, model.ready_threshold):
        return READY
    if _reaches(score, model.at_risk_threshold):
        return AT_RISK
    return NOT_READY


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def forced_adoption_flag(
    end_users: GroupFigures, usage_index: float | None, model: ModelParameters
) -> Flag | None:
    """Return `forced_adoption` when usage is high while the end users' sentiment is low."""
    # A suppressed group's figures are never used, so no flag can reveal them indirectly.
    if (
        usage_index is None
        or end_users.suppressed
        or end_users.sentiment_index is None
        or not _reaches(usage_index, model.forced_adoption_usage_min)
        or _reaches(end_users.sentiment_index, model.forced_adoption_sentiment_max)
    ):
        return None
    return Flag(
        FORCED_ADOPTION,
        FLAG_LABELS[FORCED_ADOPTION],
        f"Usage index {_fmt(usage_index)} is high while the end users' sentiment index "
        f"is {_fmt(end_users.sentiment_index)}: people use the product because they "
        "must, not because they want to; the renewal is at risk.",
        {
            "usage_index": usage_index,
            "end_users_sentiment_index": end_users.sentiment_index,
            "usage_index_min": model.forced_adoption_usage_min,
            "sentiment_index_max": model.forced_adoption_sentiment_max,
        },
    )


def leadership_gap_flag(
    leaders: GroupFigures, end_users: GroupFigures, model: ModelParameters
) -> Flag | None:
    """Return `leadership_gap` when leadership's ADKAR index leads the end users' by enough."""
    if (
        leaders.suppressed
        or end_users.suppressed
        or leaders.adkar_index is None
        or end_users.adkar_index is None
    ):
        return None
    gap = leaders.adkar_index - end_users.adkar_index
    if not _reaches(gap, model.leadership_gap_min):
        return None
    return Flag(
        LEADERSHIP_GAP,
        FLAG_LABELS[LEADERSHIP_GAP],
        f"Leadership's ADKAR index ({_fmt(leaders.adkar_index)}) is {_fmt(gap)} points "
        f"above the end users' ({_fmt(end_users.adkar_index)}): the buyers are readier "
        "than the people who must do the work.",
        {
            "leadership_adkar_index": leaders.adkar_index,
            "end_users_adkar_index": end_users.adkar_index,
            "gap": gap,
            "gap_min": model.leadership_gap_min,
        },
    )


def say_do_gap_flag(
    end_users: GroupFigures, usage_index: float | None, project_live: bool, model: ModelParameters
) -> Flag | None:
    """Return `say_do_gap` on a live project whose end users say they know and can, but don't use."""
    if not project_live or usage_index is None or end_users.suppressed:
        return None
    means = end_users.element_means or {}
    knowledge, ability = means.get("knowledge"), means.get("ability")
    if (
        knowledge is None
        or ability is None
        or not _reaches(knowledge, model.say_do_element_min)
        or not _reaches(ability, model.say_do_element_min)
        or _reaches(usage_index, model.say_do_usage_max)
    ):
        return None
    return Flag(
        SAY_DO_GAP,
        FLAG_LABELS[SAY_DO_GAP],
        f"End users rate their Knowledge {knowledge:.2f} and Ability {ability:.2f} "
        f"but the usage index is only {_fmt(usage_index)}: people say they are "
        "ready, but do not use the product.",
        {
            "end_users_knowledge_mean": knowledge,
            "end_users_ability_mean": ability,
            "usage_index": usage_index,
            "element_mean_min": model.say_do_element_min,
            "usage_index_max": model.say_do_usage_max,
        },
    )


def low_confidence_flag(confidence: Confidence, model: ModelParameters) -> Flag | None:
    """Return `low_confidence` with too few responses or too low a response rate."""
    too_few = confidence.responses < model.low_confidence_min_responses
    rate_low = confidence.response_rate is not None and not _reaches(
        confidence.response_rate, model.low_confidence_min_rate
    )
    if not (too_few or rate_low):
        return None
    reasons = []
    if too_few:
        reasons.append(
            "no submitted response yet"
            if confidence.responses == 0
            else f"only {confidence.responses} submitted response"
            f"{'' if confidence.responses == 1 else 's'} "
            f"(fewer than {model.low_confidence_min_responses})"
        )
    if rate_low:
        reasons.append(
            f"a response rate of {confidence.response_rate:.0%} "
            f"(below {model.low_confidence_min_rate:.0%})"
        )
    return Flag(
        LOW_CONFIDENCE,
        FLAG_LABELS[LOW_CONFIDENCE],
        f"Read this score with care: {' and '.join(reasons)}.",
        {
            "responses": confidence.responses,
            "response_rate": confidence.response_rate,
            "min_responses": model.low_confidence_min_responses,
            "min_response_rate": model.low_confidence_min_rate,
        },
    )


def evaluate_flags(
    groups: Mapping[str, GroupFigures],
    usage_index: float | None,
    confidence: Confidence,
    project_live: bool,
    model: ModelParameters,
) -> tuple[Flag, ...]:
    """Return the flags raised, each with the figures that raised it, in a fixed order."""
    leaders, end_users = groups[GROUP_LEADERSHIP], groups[GROUP_END_USERS]
    raised = (
        forced_adoption_flag(end_users, usage_index, model),
        leadership_gap_flag(leaders, end_users, model),
        say_do_gap_flag(end_users, usage_index, project_live, model),
        low_confidence_flag(confidence, model),
    )
    return tuple(flag for flag in raised if flag is not None)


def recommended_actions(
    groups: Mapping[str, GroupFigures], model: ModelParameters
) -> tuple[RecommendedAction, ...]:
    """Return the actions for each dimension that blocks a shown group, in ADKAR order."""
    reasons: dict[str, list[str]] = {dimension: [] for dimension in ADKAR}
    for group in groups.values():
        if group.suppressed:
            continue
        label = GROUP_LABELS[group.group].lower()
        for dimension in ADKAR:
            share = (group.barrier_distribution or {}).get(dimension, 0.0)
            if _reaches(share, model.action_barrier_share):
                reasons[dimension].append(f"barrier point of {share:.0%} of {label}")
            mean = (group.element_means or {}).get(dimension)
            if mean is not None and mean <= model.action_mean_max + TOLERANCE:
                reasons[dimension].append(f"mean {mean:.2f} for {label}")
    return tuple(
        RecommendedAction(
            dimension=dimension,
            label=DIMENSION_LABELS[dimension],
            text=model.actions.get(dimension) or DEFAULT_ACTIONS[dimension],
            reasons=tuple(reasons[dimension]),
        )
        for dimension in ADKAR
        if reasons[dimension]
    )


def calculate(inputs: ScoreInput) -> ScoreResult:
    """Return the Adoption Readiness score of one project with its full explanation.

    Raise InvalidInput for non-finite inputs, or finite ones whose score would not be finite.
    """
    check_inputs(inputs)
    model = inputs.model
    tallies = inputs.counted()
    # Every split is judged together: the report, the heatmap and the exports show them all,
    # so no combination of their figures may give a hidden segment's.
    disclosure = suppression.disclose(_population(tallies, model.min_group_size))
    groups = {
        GROUP_ALL: _group_figures(GROUP_ALL, _members(tallies), model, disclosure),
        GROUP_LEADERSHIP: _group_figures(
            GROUP_LEADERSHIP,
            _members(tallies, LEADERSHIP_ROLES),
            model,
            disclosure,
            (ROLE_SPLIT, GROUP_LEADERSHIP),
        ),
        GROUP_END_USERS: _group_figures(
            GROUP_END_USERS,
            _members(tallies, END_USER_ROLES),
            model,
            disclosure,
            (ROLE_SPLIT, GROUP_END_USERS),
        ),
    }
    everyone = groups[GROUP_ALL]
    usage = usage_breakdown(inputs.usage)
    indices = {
        "adkar": everyone.adkar_index,
        "leadership": everyone.leadership_index,
        "sentiment": everyone.sentiment_index,
        "usage": usage.index if usage is not None else None,
    }
    score, components = weighted_score(indices, model.weights)
    _finite("the score", score)
    for component in components:
        _finite(f"the {component.name} points", component.points)
    responses = tallies.responses
    confidence = Confidence(
        responses=responses,
        invitations=inputs.invitations,
        response_rate=responses / inputs.invitations if inputs.invitations else None,
    )
    return ScoreResult(
        score=score,
        band=band_for(score, model),
        components=components,
        missing_components=tuple(c.name for c in components if c.missing),
        groups=groups,
        usage=usage,
        flags=evaluate_flags(groups, indices["usage"], confidence, inputs.project_live, model),
        actions=recommended_actions(groups, model),
        confidence=confidence,
        thresholds={
            "ready": model.ready_threshold,
            "at_risk": model.at_risk_threshold,
            "min_group_size": model.min_group_size,
            "barrier_max": model.barrier_max,
        },
        segments=_segment_figures(tallies, model, disclosure),
        figures_hidden=disclosure.figures_hidden,
    )
