"""The engine as it was before it counted respondents (issue 17): the reference its tallies
must match exactly (tests/scoring/test_engine_reference.py).

Copied from scoring/engine.py at the commit before the change, the per-respondent parts only;
everything after the groups (usage, score, band, flags, actions) is the engine's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import fsum
from typing import NamedTuple

from scoring import suppression
from scoring.engine import (
    ADKAR,
    BARRIER_POINTS,
    END_USER_ROLES,
    GROUP_ALL,
    GROUP_END_USERS,
    GROUP_LEADERSHIP,
    LEADERSHIP_ROLES,
    LIKERT_MEASURES,
    NPS_MEASURE,
    ROLE_SPLIT,
    Confidence,
    GroupFigures,
    ModelParameters,
    Respondent,
    ScoreInput,
    ScoreResult,
    _finite,
    band_for,
    barrier_point,
    check_inputs,
    element_scores,
    evaluate_flags,
    leadership_score,
    recommended_actions,
    to100,
    usage_breakdown,
    weighted_score,
)


class _Scored(NamedTuple):
    """A respondent with the figures of its own, computed once for every group it is in."""

    respondent: Respondent
    elements: dict[str, float | None]
    leadership: float | None
    barrier: str


def _score_respondents(respondents: Iterable[Respondent], model: ModelParameters) -> list[_Scored]:
    scored = []
    for respondent in respondents:
        elements = element_scores(respondent)
        scored.append(
            _Scored(
                respondent,
                elements,
                leadership_score(respondent),
                barrier_point(elements, model.barrier_max),
            )
        )
    return scored


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return fsum(present) / len(present) if present else None


def net_promoter_score(answers: Sequence[int]) -> float | None:
    """Return the NPS (−100 … 100) of the 0–10 answers, or None without answers."""
    if not answers:
        return None
    promoters = sum(1 for answer in answers if answer >= 9)
    detractors = sum(1 for answer in answers if answer <= 6)
    return 100.0 * (promoters - detractors) / len(answers)


def nps_counts(answers: Sequence[int]) -> dict[str, int]:
    """Return how many answers are promoters (9–10), passives (7–8) and detractors (0–6)."""
    promoters = sum(1 for answer in answers if answer >= 9)
    detractors = sum(1 for answer in answers if answer <= 6)
    return {
        "promoters": promoters,
        "passives": len(answers) - promoters - detractors,
        "detractors": detractors,
    }


def population(respondents: Sequence[Respondent], min_group_size: int) -> suppression.Population:
    """Return the respondents (by position) cut by role and by every other split they carry."""
    leaders, end_users, nps_answered = [], [], []
    answered: dict[str, list[int]] = {measure: [] for measure in LIKERT_MEASURES}
    for i, respondent in enumerate(respondents):
        if respondent.role in LEADERSHIP_ROLES:
            leaders.append(i)
        elif respondent.role in END_USER_ROLES:
            end_users.append(i)
        for measure, values in respondent.likert.items():
            if values and measure in answered:
                answered[measure].append(i)
        if respondent.nps is not None:
            nps_answered.append(i)
    splits = [
        suppression.Split(
            ROLE_SPLIT,
            {GROUP_LEADERSHIP: frozenset(leaders), GROUP_END_USERS: frozenset(end_users)},
        )
    ]
    for name in disclosure_splits(respondents):
        segments: dict[str, list[int]] = {}
        for i, respondent in enumerate(respondents):
            segments.setdefault(respondent.segments.get(name) or "", []).append(i)
        splits.append(suppression.Split(name, {k: frozenset(v) for k, v in segments.items()}))
    cells = {measure: frozenset(members) for measure, members in answered.items()}
    cells[NPS_MEASURE] = frozenset(nps_answered)
    return suppression.Population(
        everyone=frozenset(range(len(respondents))),
        splits=tuple(splits),
        min_group_size=min_group_size,
        answered=cells,
    )


def _group_figures(
    group: str,
    scored: Sequence[_Scored],
    model: ModelParameters,
    disclosure: suppression.Disclosure | None = None,
    ref: suppression.SegmentRef = suppression.ALL_REF,
) -> GroupFigures:
    if disclosure is None:
        disclosure = suppression.disclose(
            suppression.Population(
                everyone=frozenset(range(len(scored))), min_group_size=model.min_group_size
            )
        )
    count = len(scored)
    if not disclosure.shows(*ref):
        return GroupFigures(
            group, None, True, None, None, None, None, None, None, None, disclosure.reason(*ref)
        )

    def shown(measure: str) -> bool:
        return disclosure.shows_cell(*ref, measure)

    means = {
        dimension: _mean([s.elements[dimension] for s in scored]) if shown(dimension) else None
        for dimension in ADKAR
    }
    present = [to100(mean) for mean in means.values() if mean is not None]
    leadership = _mean([s.leadership for s in scored]) if shown("leadership") else None
    nps_answers = (
        [s.respondent.nps for s in scored if s.respondent.nps is not None]
        if shown(NPS_MEASURE)
        else []
    )
    nps = net_promoter_score(nps_answers)
    barriers = [s.barrier for s in scored]
    return GroupFigures(
        group=group,
        responses=count,
        suppressed=False,
        element_means=means,
        adkar_index=fsum(present) / len(present) if present else None,
        leadership_index=to100(leadership) if leadership is not None else None,
        nps=nps,
        sentiment_index=(nps + 100.0) / 2.0 if nps is not None else None,
        barrier_distribution={point: barriers.count(point) / count for point in BARRIER_POINTS},
        nps_counts=nps_counts(nps_answers) if shown(NPS_MEASURE) else None,
    )


def _segment_figures(
    scored: Sequence[_Scored], model: ModelParameters, disclosure: suppression.Disclosure
) -> dict[str, dict[str, GroupFigures]]:
    result: dict[str, dict[str, GroupFigures]] = {}
    for split in disclosure_splits([s.respondent for s in scored]):
        members: dict[str, list[_Scored]] = {}
        for s in scored:
            members.setdefault(s.respondent.segments.get(split) or "", []).append(s)
        result[split] = {
            value: _group_figures(value, members[value], model, disclosure, (split, value))
            for value in sorted(members)
        }
    return result


def disclosure_splits(respondents: Sequence[Respondent]) -> list[str]:
    """Return the names of the splits besides role that the respondents carry, sorted."""
    return sorted({name for r in respondents for name, value in r.segments.items() if value})


def calculate(inputs: ScoreInput) -> ScoreResult:
    """Return the Adoption Readiness score of one project with its full explanation.

    Raise InvalidInput for non-finite inputs, or finite ones whose score would not be finite.
    """
    check_inputs(inputs)
    model = inputs.model
    respondents = inputs.respondents
    # Every split is judged together: the report, the heatmap and the exports show them all,
    # so no combination of their figures may give a hidden segment's.
    disclosure = suppression.disclose(population(respondents, model.min_group_size))
    scored = _score_respondents(respondents, model)
    groups = {
        GROUP_ALL: _group_figures(GROUP_ALL, scored, model, disclosure),
        GROUP_LEADERSHIP: _group_figures(
            GROUP_LEADERSHIP,
            [s for s in scored if s.respondent.role in LEADERSHIP_ROLES],
            model,
            disclosure,
            (ROLE_SPLIT, GROUP_LEADERSHIP),
        ),
        GROUP_END_USERS: _group_figures(
            GROUP_END_USERS,
            [s for s in scored if s.respondent.role in END_USER_ROLES],
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
    confidence = Confidence(
        responses=len(respondents),
        invitations=inputs.invitations,
        response_rate=len(respondents) / inputs.invitations if inputs.invitations else None,
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
        segments=_segment_figures(scored, model, disclosure),
        figures_hidden=disclosure.figures_hidden,
    )
