"""The engine's inputs, read from the database for many projects at once.

The one read that spans projects of every workspace (the batch sweep): it uses a fixed number
of queries per batch, so a sweep's query count grows with the number of batches, never with the
number of respondents. Pages read through `scoring.selectors` instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from operator import itemgetter

from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, Subquery

from readiness import selectors as readiness_selectors
from readiness.models import (
    ADKAR_DIMENSIONS,
    Assessment,
    Dimension,
    Invitation,
    ItemKind,
    Project,
    ProjectStatus,
    Response,
    ResponseStatus,
    TemplateItem,
)
from scoring import engine, suppression
from scoring.models import ScoreSnapshot, ScoringModel
from usage.metrics import usage_window_figures

LIKERT_DIMENSIONS = (*ADKAR_DIMENSIONS, Dimension.LEADERSHIP)


@dataclass(frozen=True)
class ProjectEvidence:
    """One project's engine input, with what the snapshot records beside it."""

    project_id: int
    workspace_id: int
    assessment_id: int | None
    inputs: engine.ScoreInput
    fingerprint: str


# --- Usage --------------------------------------------------------------------------------


def usage_figures_for_projects(project_ids: Sequence[int]) -> dict[int, engine.UsageFigures]:
    """Return each project's usage in its 30-day window; projects without usage are absent.

    A project without usage data is left out, so its usage component is missing and the score
    re-weights over the others.
    """
    return {
        pk: engine.UsageFigures(
            active_users=window.monthly_active_users,
            licensed_seats=window.licensed_seats,
            features_used=len(window.features_used),
            features_tracked=len(window.tracked_features),
            stickiness=window.dau_mau,
            window_start=window.window_start.isoformat(),
            window_end=window.window_end.isoformat(),
        )
        for pk, window in usage_window_figures(project_ids=project_ids).items()
        if window.has_data
    }


def _current_models(workspace_ids: Iterable[int]) -> dict[int, ScoringModel]:
    newest = ScoringModel.objects.filter(workspace_id=OuterRef("workspace_id")).order_by("-version")
    models = ScoringModel.objects.filter(
        workspace_id__in=set(workspace_ids), pk=Subquery(newest.values("pk")[:1])
    )
    return {model.workspace_id: model for model in models}


# --- Engine inputs ------------------------------------------------------------------------


DEPARTMENT_SPLIT = engine.DEPARTMENT_SPLIT
# Attribute splits are named apart from department and role, whatever the list called them.
ATTRIBUTE_SPLIT_PREFIX = "attribute:"


def _scored_assessments(
    project_ids: Sequence[int], minimums: dict[int, int]
) -> dict[int, tuple[int, int, int]]:
    """Return, per project, its newest assessment with enough submitted responses to show.

    Each value is (assessment id, invitations, submitted responses); `minimums` maps a project
    to its minimum group size: a round with fewer responses shows nothing, so the one before it
    stays the project's evidence.
    """
    submitted = (
        Assessment.objects.filter(pk=OuterRef("pk"))
        .annotate(n=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)))
        .values("n")
    )
    invited = (
        Invitation.objects.filter(assessment_id=OuterRef("pk"), withdrawn_at__isnull=True)
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Assessment.objects.filter(project_id__in=project_ids)
        .annotate(submitted=Subquery(submitted), invited=Subquery(invited))
        .filter(submitted__gt=0)
        .order_by("project_id", "-opens_on", "-id")
        .values_list("project_id", "pk", "invited", "submitted")
    )
    chosen: dict[int, tuple[int, int, int]] = {}
    for project_id, assessment_id, invited_count, submitted_count in rows:
        if submitted_count >= minimums.get(project_id, 1):
            chosen.setdefault(project_id, (assessment_id, invited_count or 0, submitted_count))
    return chosen


def _shown_counts(assessment_ids: Iterable[int]) -> dict[int, int]:
    """Return, per assessment, the most responses a stored snapshot of it has shown."""
    return dict(
        ScoreSnapshot.objects.filter(assessment_id__in=list(assessment_ids))
        .order_by()
        .values("assessment_id")
        .annotate(shown=Max("responses"))
        .values_list("assessment_id", "shown")
    )


def _respondents(limits: dict[int, int]) -> dict[int, list[engine.Respondent]]:
    """Return the first submitted respondents of each assessment, in order of response id.

    `limits` maps an assessment to how many of its responses may be shown
    (`suppression.disclosed_count`): always the first ones submitted, so that a later state
    adds people to an earlier one and never swaps them. Two queries whatever the number of
    respondents: the items, then one row per response (`_respondent_rows`).
    """
    assessment_ids = list(limits)
    if not assessment_ids:
        return {}
    items = (
        TemplateItem.objects.filter(
            template__assessments__in=assessment_ids,
            kind__in=[ItemKind.LIKERT, ItemKind.NPS],
        )
        .order_by()
        .values_list("pk", "kind", "dimension")
    )
    likert_items: dict[str, list[int]] = {dimension: [] for dimension in _DIMENSIONS_BY_NAME}
    nps_items: list[int] = []
    for pk, kind, dimension in items:
        if kind == ItemKind.NPS:
            nps_items.append(pk)
        elif dimension in likert_items:
            likert_items[dimension].append(pk)
    shown: dict[int, int] = defaultdict(int)
    by_assessment: dict[int, list[tuple[int, engine.Respondent]]] = defaultdict(list)
    for row in _respondent_rows(assessment_ids, likert_items, nps_items):
        response_id, assessment_id, role, department, attributes, nps_code, *codes = row
        if shown[assessment_id] >= limits[assessment_id]:
            continue
        shown[assessment_id] += 1
        respondent = engine.Respondent(
            role=role,
            likert={
                dimension: _likert_values(code)
                for dimension, code in zip(_DIMENSIONS_BY_NAME, codes, strict=True)
                if code
            },
            nps=nps_code & _NPS_MASK if nps_code is not None else None,
            segments=respondent_segments(department, _attributes(attributes)),
        )
        by_assessment[assessment_id].append((response_id, respondent))
    return {
        assessment_id: [respondent for _, respondent in sorted(rows, key=itemgetter(0))]
        for assessment_id, rows in by_assessment.items()
    }


# The engine's Likert dimensions in the order of their names: a respondent's `likert` mapping
# is built in this order, as it always was.
_DIMENSIONS_BY_NAME: tuple[str, ...] = tuple(sorted(str(d) for d in LIKERT_DIMENSIONS))
# A response's answers to one dimension travel as one integer: bits 6(v-1) to 6v-1 count its
# answers of value v (1-5). A template holds at most 60 items, so a count never reaches 64.
_COUNT_BITS, _COUNT_MASK = 6, 0b111111
# The NPS answer travels as item id x 16 + answer (0-10): the answer to the first NPS item.
_NPS_MASK = 0b1111


def _respondent_rows(
    assessment_ids: Sequence[int], likert_items: dict[str, list[int]], nps_items: list[int]
) -> list[tuple]:
    """Return each submitted response of the assessments in order of submission, as
    (id, assessment id, role, department, attributes as stored, NPS code, Likert codes...).

    Hand-written SQL, on purpose: this is most of a recalculation's reading. Moving every
    answer row into Python and grouping it there cost several times one SQL aggregate over the
    same answers (docs/scoring.md, Performance); here the database sums each response's answers
    per dimension into one integer (`_COUNT_BITS`), so one row per respondent comes back and
    Python only decodes a few distinct integers (`_likert_values`, cached). PostgreSQL reads
    each response's answers by index (`LATERAL`); SQLite, which has no `LATERAL`, groups them
    in a subquery — the same sums either way, and the test suite runs on both.
    """
    params: list[object] = []

    def in_list(values: Sequence[int]) -> str:
        params.extend(values)
        return ", ".join(["%s"] * len(values))

    # Placeholders are filled in the order they appear in the statement, so it is built in
    # that order.
    columns = [
        f"MIN(a.item_id * 16 + a.value) FILTER (WHERE a.item_id IN ({in_list(nps_items)})) AS nps"
        if nps_items
        else "NULL AS nps"
    ]
    for number, dimension in enumerate(_DIMENSIONS_BY_NAME):
        items = likert_items[dimension]
        columns.append(
            f"SUM(1 << ({_COUNT_BITS} * (a.value - 1))) FILTER (WHERE a.item_id IN "
            f"({in_list(items)}) AND a.value BETWEEN 1 AND 5) AS c{number}"
            if items
            else f"NULL AS c{number}"
        )
    codes = ", ".join(f"counted.c{number}" for number in range(len(_DIMENSIONS_BY_NAME)))
    if connection.vendor == "postgresql":
        # Each response's answers through the (response, item) index: with tens of millions
        # of answers the planner otherwise judged a hash join over the whole table cheaper
        # than the index, and a sweep batch read it all (docs/scoring.md, Performance).
        answers = f"""
            LEFT JOIN LATERAL (
                SELECT {", ".join(columns)}
                FROM readiness_answer a
                WHERE a.response_id = r.id AND NOT a.dont_know AND a.value IS NOT NULL
            ) counted ON TRUE
        """
    else:
        answers = f"""
            LEFT JOIN (
                SELECT a.response_id, {", ".join(columns)}
                FROM readiness_answer a
                WHERE a.response_id IN (
                    SELECT id FROM readiness_response
                    WHERE assessment_id IN ({in_list(assessment_ids)}) AND status = %s
                )
                AND NOT a.dont_know AND a.value IS NOT NULL
                GROUP BY a.response_id
            ) counted ON counted.response_id = r.id
        """
        params.append(ResponseStatus.SUBMITTED)
    chosen = in_list(assessment_ids)
    params.append(ResponseStatus.SUBMITTED)
    # LEFT JOIN: a response whose every answer is "Don't know" still counts.
    sql = f"""
        SELECT r.id, r.assessment_id, i.role, i.department, i.attributes, counted.nps, {codes}
        FROM readiness_response r
        JOIN readiness_invitation i ON i.id = r.invitation_id
        {answers}
        WHERE r.assessment_id IN ({chosen}) AND r.status = %s
        ORDER BY r.assessment_id, r.submitted_at IS NULL, r.submitted_at, r.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.lru_cache(maxsize=4096)
def _likert_values(code: int) -> tuple[int, ...]:
    """Return the answers, sorted, that a dimension's `code` counts (`_respondent_rows`)."""
    values: list[int] = []
    for value in range(1, 6):
        values.extend([value] * ((code >> (_COUNT_BITS * (value - 1))) & _COUNT_MASK))
    return tuple(values)


def _attributes(stored: str | dict | None) -> dict | None:
    """Return an invitation's attributes from the raw row (JSON text, or already decoded)."""
    if not stored or stored == "{}":
        return None
    return json.loads(stored) if isinstance(stored, str) else stored


def respondent_segments(department: str, attributes: dict | None) -> dict[str, str]:
    """Return the respondent's splits besides role: department, then the list's attributes."""
    segments = {
        f"{ATTRIBUTE_SPLIT_PREFIX}{name}": str(value).strip()
        for name, value in (attributes or {}).items()
        if str(value).strip()
    }
    if department := (department or "").strip():
        segments[DEPARTMENT_SPLIT] = department
    return segments


def fingerprint(
    *, inputs: engine.ScoreInput, assessment_id: int | None, model_id: int | None
) -> str:
    """Return a SHA-256 of everything the calculation depends on, independent of row order."""
    # repr() of tuples of str and int is stable; sorting makes row order irrelevant.
    respondents = repr(
        sorted(
            (r.role, tuple(sorted(r.likert.items())), r.nps, tuple(sorted(r.segments.items())))
            for r in inputs.respondents
        )
    )
    payload = {
        "respondents": respondents,
        "invitations": inputs.invitations,
        "usage": asdict(inputs.usage) if inputs.usage is not None else None,
        "live": inputs.project_live,
        "model": model_id,
        "assessment": assessment_id,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def evidence_for_projects(
    project_ids: Sequence[int],
    *,
    models: dict[int, ScoringModel],
    assessment_overrides: dict[int, int] | None = None,
) -> dict[int, ProjectEvidence]:
    """Return the engine input of each project, read in a fixed number of queries.

    `models` maps workspace id to the scoring model in force; `assessment_overrides` pins a
    project to one assessment (the demo data uses it to record earlier rounds).
    """
    projects = list(
        Project.objects.filter(pk__in=project_ids)
        .order_by()
        .values_list("pk", "workspace_id", "status", "licensed_seats")
    )
    minimums = {pk: models[workspace_id].min_group_size for pk, workspace_id, *_ in projects}
    chosen = _scored_assessments(project_ids, minimums)
    for project_id, assessment_id in (assessment_overrides or {}).items():
        invited = Invitation.objects.filter(
            assessment_id=assessment_id, withdrawn_at__isnull=True
        ).count()
        submitted = Response.objects.filter(
            assessment_id=assessment_id, status=ResponseStatus.SUBMITTED
        ).count()
        chosen[project_id] = (assessment_id, invited, submitted)
    shown = _shown_counts(assessment_id for assessment_id, *_ in chosen.values())
    limits = {
        assessment_id: suppression.disclosed_count(
            submitted=submitted,
            previous=shown.get(assessment_id, 0),
            min_group_size=minimums[project_id],
        )
        for project_id, (assessment_id, _, submitted) in chosen.items()
    }
    respondents = _respondents(limits)
    usage = usage_figures_for_projects([pk for pk, *_ in projects])
    evidence = {}
    for project_id, workspace_id, status, _seats in projects:
        model = models[workspace_id]
        assessment_id, invited, _ = chosen.get(project_id, (None, 0, 0))
        inputs = engine.ScoreInput(
            respondents=tuple(respondents.get(assessment_id, ())) if assessment_id else (),
            invitations=invited,
            usage=usage.get(project_id),
            project_live=status == ProjectStatus.LIVE,
            model=model.parameters(),
        )
        evidence[project_id] = ProjectEvidence(
            project_id=project_id,
            workspace_id=workspace_id,
            assessment_id=assessment_id,
            inputs=inputs,
            fingerprint=fingerprint(inputs=inputs, assessment_id=assessment_id, model_id=model.pk),
        )
    return evidence


def current_models(workspace_ids: Iterable[int]) -> dict[int, ScoringModel]:
    """Return the scoring model in force for each of the workspaces."""
    return _current_models(workspace_ids)


@dataclass(frozen=True)
class LatestState:
    """What a project's latest snapshot said: to tell what a new one changes."""

    fingerprint: str
    score: float | None
    band: str
    flags: tuple[str, ...]


def latest_states(project_ids: Sequence[int]) -> dict[int, LatestState]:
    """Return the fingerprint, score, band and flags of each project's latest snapshot."""
    newest = ScoreSnapshot.objects.filter(project_id=OuterRef("project_id")).order_by(
        "-created_at", "-id"
    )
    rows = ScoreSnapshot.objects.filter(
        project_id__in=project_ids, pk=Subquery(newest.values("pk")[:1])
    ).values_list("project_id", "fingerprint", "score", "band", "flags")
    return {
        project_id: LatestState(fingerprint, score, band, tuple(flags or ()))
        for project_id, fingerprint, score, band, flags in rows
    }


def dirty_project_ids() -> list[int]:
    """Return every project marked for recalculation, in every workspace (the sweep's work)."""
    return readiness_selectors.project_ids_needing_recalculation()


def open_project_ids() -> list[int]:
    """Return every project that is not closed, in every workspace (the nightly run's work)."""
    return list(
        Project.objects.exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
