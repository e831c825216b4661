"""The engine's inputs, read from the database for many projects at once.

The one read that spans projects of every workspace (the batch sweep): it uses a fixed number
of queries per batch, so a sweep's query count grows with the number of batches, never with the
number of respondents. Pages read through `scoring.selectors` instead.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.db.models import Count, Max, OuterRef, Q, Subquery

from readiness.models import (
    ADKAR_DIMENSIONS,
    Answer,
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
    """Return the first submitted respondents of each assessment, in order of submission.

    `limits` maps an assessment to how many of its responses may be shown
    (`suppression.disclosed_count`): always the first ones submitted, so that a later state
    adds people to an earlier one and never swaps them.
    """
    assessment_ids = list(limits)
    # Item kinds and dimensions are read once here rather than joined into every answer row:
    # the answers query then moves only integers, which is most of a recalculation's time.
    items = {
        pk: (kind, dimension)
        for pk, kind, dimension in TemplateItem.objects.filter(
            template__assessments__in=assessment_ids,
            kind__in=[ItemKind.LIKERT, ItemKind.NPS],
        )
        .order_by()
        .values_list("pk", "kind", "dimension")
    }
    # A submitted response whose every answer is "Don't know" still counts as a respondent.
    responses = (
        Response.objects.filter(assessment_id__in=assessment_ids, status=ResponseStatus.SUBMITTED)
        .order_by()
        .values_list(
            "pk",
            "assessment_id",
            "invitation__role",
            "invitation__department",
            "invitation__attributes",
            "submitted_at",
        )
    )
    answers = (
        Answer.objects.filter(
            response__assessment_id__in=assessment_ids,
            response__status=ResponseStatus.SUBMITTED,
            dont_know=False,
            value__isnull=False,
        )
        .order_by()
        .values_list("response_id", "item_id", "value")
    )
    first: dict[int, list[tuple[datetime.datetime | None, int]]] = defaultdict(list)
    rows = {}
    for response_id, assessment_id, role, department, attributes, submitted_at in responses:
        first[assessment_id].append((submitted_at, response_id))
        rows[response_id] = (assessment_id, role, respondent_segments(department, attributes))
    kept = {
        response_id
        for assessment_id, moments in first.items()
        for _, response_id in sorted(moments, key=_submission_order)[: limits[assessment_id]]
    }
    shape: dict[int, tuple[int, str, dict[str, list[int]], list[int], dict[str, str]]] = {
        response_id: (assessment_id, role, defaultdict(list), [], segments)
        for response_id, (assessment_id, role, segments) in rows.items()
        if response_id in kept
    }
    for response_id, item_id, value in answers:
        item = items.get(item_id)
        entry = shape.get(response_id)
        if item is None or entry is None:
            continue
        kind, dimension = item
        if kind == ItemKind.NPS:
            entry[3].append(value)
        elif dimension in LIKERT_DIMENSIONS and 1 <= value <= 5:
            entry[2][dimension].append(value)
    by_assessment: dict[int, list[engine.Respondent]] = defaultdict(list)
    for _response_id, (assessment_id, role, likert, nps, segments) in sorted(shape.items()):
        by_assessment[assessment_id].append(
            engine.Respondent(
                role=role,
                likert={d: tuple(sorted(v)) for d, v in sorted(likert.items())},
                nps=nps[0] if nps else None,
                segments=segments,
            )
        )
    return by_assessment


def _submission_order(moment: tuple[datetime.datetime | None, int]) -> tuple[bool, object, int]:
    submitted_at, response_id = moment
    return (submitted_at is None, submitted_at or 0, response_id)


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
    return list(
        Project.objects.filter(needs_recalculation=True).order_by("pk").values_list("pk", flat=True)
    )


def open_project_ids() -> list[int]:
    """Return every project that is not closed, in every workspace (the nightly run's work)."""
    return list(
        Project.objects.exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
