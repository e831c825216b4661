"""Reads for scoring pages: the scoring model in force and a project's snapshots.

The engine's inputs are read by `scoring.evidence`; the portfolio and the report by `reports`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max, OuterRef, QuerySet, Subquery

from readiness import selectors as readiness_selectors
from readiness.models import AssessmentState, Project
from scoring import engine
from scoring.models import ScoreSnapshot, ScoringModel
from workspaces.models import Workspace

# --- The scoring model --------------------------------------------------------------------


def scoring_model_current(*, workspace: Workspace) -> ScoringModel | None:
    """Return the workspace's scoring model in force (its newest version), if any."""
    return ScoringModel.objects.for_workspace(workspace).order_by("-version").first()


def scoring_model_versions(*, workspace: Workspace) -> QuerySet[ScoringModel]:
    """Return every version of the workspace's scoring model, newest first."""
    return (
        ScoringModel.objects.for_workspace(workspace)
        .select_related("created_by")
        .order_by("-version")
    )


# --- Pages --------------------------------------------------------------------------------


def snapshot_latest(*, project: Project) -> ScoreSnapshot | None:
    """Return the project's latest snapshot."""
    return (
        ScoreSnapshot.objects.filter(workspace_id=project.workspace_id, project=project)
        .select_related("assessment")
        .order_by("-created_at", "-id")
        .first()
    )


def snapshot_history(*, project: Project, limit: int = 20) -> list[RoundPoint]:
    """Return the project's rounds, newest first (see `round_history`)."""
    return round_history(project=project)[::-1][:limit]


@dataclass(frozen=True)
class RoundPoint:
    """One assessment round in a project's trend: the latest snapshot of that round.

    `provisional` while the round is open; `model_changed` when it was scored with another
    scoring-model version than the round before, and then `change` is None: the difference
    would mix a change of readiness with a change of the model.
    """

    snapshot: ScoreSnapshot
    provisional: bool
    model_changed: bool
    change: float | None

    @property
    def created_at(self) -> datetime.datetime:
        return self.snapshot.created_at

    @property
    def score(self) -> float | None:
        return self.snapshot.score

    @property
    def label(self) -> str:
        return self.snapshot.assessment.name


def round_history(*, project: Project, with_breakdown: bool = False) -> list[RoundPoint]:
    """Return one point per assessment round of the project, oldest first; two queries at most.

    Each round counts with its latest snapshot, so the trend compares rounds and never one
    respondent's arrival with the next.
    """
    latest_of_round = (
        ScoreSnapshot.objects.filter(
            project_id=OuterRef("project_id"), assessment_id=OuterRef("assessment_id")
        )
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    snapshots = (
        ScoreSnapshot.objects.filter(
            workspace_id=project.workspace_id,
            project=project,
            assessment__isnull=False,
            pk=Subquery(latest_of_round),
        )
        .select_related("assessment")
        .order_by("assessment__opens_on", "assessment_id")
    )
    if not with_breakdown:
        snapshots = snapshots.defer("breakdown")
    points: list[RoundPoint] = []
    previous: ScoreSnapshot | None = None
    for snapshot in snapshots:
        changed = previous is not None and previous.model_version != snapshot.model_version
        change = None
        if previous is not None and not changed and None not in (snapshot.score, previous.score):
            change = snapshot.score - previous.score
        points.append(
            RoundPoint(
                snapshot=snapshot,
                provisional=snapshot.assessment.state == AssessmentState.OPEN,
                model_changed=changed,
                change=change,
            )
        )
        previous = snapshot
    return points


def project_score(*, project: Project) -> dict[str, object]:
    """Return what the project page shows about the score: the latest snapshot and history."""
    history = snapshot_history(project=project)
    latest = snapshot_latest(project=project)
    return {
        "latest": latest,
        "groups": engine.shown_groups(latest.breakdown) if latest else {},
        "history": history,
        "needs_recalculation": readiness_selectors.project_recalculation_due(project),
        "recalculation_error": project.recalculation_error,
    }


def latest_snapshots_for_projects(project_ids: Sequence[int]) -> dict[int, ScoreSnapshot]:
    """Return the latest snapshot of each project that has one."""
    newest = ScoreSnapshot.objects.filter(project_id=OuterRef("project_id")).order_by(
        "-created_at", "-id"
    )
    snapshots = ScoreSnapshot.objects.filter(
        project_id__in=project_ids, pk=Subquery(newest.values("pk")[:1])
    ).select_related("project", "project__account", "assessment")
    return {snapshot.project_id: snapshot for snapshot in snapshots}


# Answers readiness's `responses_shown` hook (registered in apps.py).


def responses_shown(assessment_id: int) -> int:
    """Return how many of the assessment's responses its stored figures have shown so far."""
    shown = ScoreSnapshot.objects.filter(assessment_id=assessment_id).aggregate(
        shown=Max("responses")
    )["shown"]
    return shown or 0
