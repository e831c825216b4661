"""The engine's inputs, read from the database for many projects at once.

The one read that spans projects of every workspace (the batch sweep): it uses a fixed number
of queries per batch, so a sweep's query count grows with the number of batches, never with the
number of respondents. Pages read through `scoring.selectors` instead.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.db.models import Count, OuterRef, Q, Subquery

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
from scoring import engine
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


def _scored_assessments(project_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Return, per project, its newest assessment with a submitted response and invitations."""
    submitted = (
        Assessment.objects.filter(pk=OuterRef("pk"))
        .annotate(n=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)))
        .values("n")
    )
    invited = (
        Invitation.objects.filter(assessment_id=OuterRef("pk"))
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
        .values_list("project_id", "pk", "invited")
    )
    chosen: dict[int, tuple[int, int]] = {}
    for project_id, assessment_id, invited_count in rows:
        chosen.setdefault(project_id, (assessment_id, invited_count or 0))
    return chosen


def _respondents(assessment_ids: Iterable[int]) -> dict[int, list[engine.Respondent]]:
    """Return the submitted respondents of each assessment, in a stable order."""
    assessment_ids = list(assessment_ids)
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
        .values_list("pk", "assessment_id", "invitation__role")
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
    shape: dict[int, tuple[int, str, dict[str, list[int]], list[int]]] = {
        response_id: (assessment_id, role, defaultdict(list), [])
        for response_id, assessment_id, role in responses
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
    for _response_id, (assessment_id, role, likert, nps) in sorted(shape.items()):
        by_assessment[assessment_id].append(
            engine.Respondent(
                role=role,
                likert={d: tuple(sorted(v)) for d, v in sorted(likert.items())},
                nps=nps[0] if nps else None,
            )
        )
    return by_assessment


def fingerprint(
    *, inputs: engine.ScoreInput, assessment_id: int | None, model_id: int | None
) -> str:
    """Return a SHA-256 of everything the calculation depends on, independent of row order."""
    # repr() of tuples of str and int is stable; sorting makes row order irrelevant.
    respondents = repr(
        sorted((r.role, tuple(sorted(r.likert.items())), r.nps) for r in inputs.respondents)
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
    chosen = _scored_assessments(project_ids)
    for project_id, assessment_id in (assessment_overrides or {}).items():
        invited = Invitation.objects.filter(assessment_id=assessment_id).count()
        chosen[project_id] = (assessment_id, invited)
    respondents = _respondents(assessment_id for assessment_id, _ in chosen.values())
    usage = usage_figures_for_projects([pk for pk, *_ in projects])
    evidence = {}
    for project_id, workspace_id, status, _seats in projects:
        model = models[workspace_id]
        assessment_id, invited = chosen.get(project_id, (None, 0))
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
