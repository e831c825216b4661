"""Reads for scoring pages: the scoring model in force and a project's snapshots.

The engine's inputs are read by `scoring.evidence`; the portfolio and the report by `reports`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import OuterRef, QuerySet, Subquery

from readiness.models import Project
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


def snapshot_history(*, project: Project, limit: int = 20) -> list[ScoreSnapshot]:
    """Return the project's most recent snapshots, newest first, without their breakdown."""
    return list(
        ScoreSnapshot.objects.filter(workspace_id=project.workspace_id, project=project)
        .select_related("assessment")
        .defer("breakdown")
        .order_by("-created_at", "-id")[:limit]
    )


def project_score(*, project: Project) -> dict[str, object]:
    """Return what the project page shows about the score: the latest snapshot and history."""
    history = snapshot_history(project=project)
    latest = snapshot_latest(project=project) if history else None
    return {
        "latest": latest,
        "history": history,
        "needs_recalculation": project.needs_recalculation,
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
