"""One workspace's settings never stop another's scores (issue 11, item 2)."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from readiness.models import Project
from scoring import engine, services
from scoring.models import ScoreSnapshot, ScoringModel
from tests.factories import AssessmentFactory, ProjectFactory
from tests.worked_example import add_worked_example
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def scored_projects(workspace: Workspace, count: int) -> list[Project]:
    projects = []
    for _ in range(count):
        project = ProjectFactory(account__workspace=workspace, status="live")
        add_worked_example(AssessmentFactory(project=project))
        projects.append(project)
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(needs_recalculation=True)
    return projects


def test_a_poisoned_model_fails_its_project_and_the_sweep_scores_the_rest(
    workspace, other_workspace, caplog
) -> None:
    poisoned = scored_projects(workspace, 1)[0]
    healthy = scored_projects(other_workspace, 3)
    # A version saved before parameters were bounded: written past the service on purpose.
    model = services.scoring_model_ensure(workspace=workspace)
    ScoringModel.objects.filter(pk=model.pk).update(weight_usage=1e308, weight_adkar=1e308)

    summary = services.dirty_projects_recalculate()

    assert summary.calculated == 3
    assert ScoreSnapshot.objects.filter(project__in=healthy).count() == 3
    assert not ScoreSnapshot.objects.filter(project=poisoned).exists()
    poisoned.refresh_from_db()
    assert not poisoned.needs_recalculation
    assert "must be a finite number" in poisoned.recalculation_error
    assert f"The score of project {poisoned.pk} could not be recalculated" in caplog.text
    assert not Project.objects.filter(needs_recalculation=True).exists()


def test_the_project_page_says_why_its_score_failed(workspace, client_for) -> None:
    project = ProjectFactory(account__workspace=workspace)
    Project.objects.filter(pk=project.pk).update(
        recalculation_error="the score is inf: every figure must be a finite number."
    )
    page = client_for(workspace, "consultant").get(f"/projects/{project.pk}/").content.decode()
    assert "The score could not be recalculated: the score is inf" in page


def test_a_later_successful_calculation_clears_the_failure(workspace) -> None:
    project = scored_projects(workspace, 1)[0]
    Project.objects.filter(pk=project.pk).update(recalculation_error="earlier failure")
    services.dirty_projects_recalculate()
    project.refresh_from_db()
    assert project.recalculation_error == "" and project.snapshots.count() == 1


@pytest.mark.postgres
def test_a_snapshot_the_database_refuses_fails_only_its_project(
    workspace, other_workspace, monkeypatch, caplog
) -> None:
    poisoned = scored_projects(workspace, 1)[0]
    healthy = scored_projects(other_workspace, 2)
    calculate = engine.calculate

    def calculate_with_a_nan_for_the_poisoned_project(inputs: engine.ScoreInput):
        result = calculate(inputs)
        if inputs.invitations and inputs.model.weights["usage"] == 19.0:
            # PostgreSQL refuses NaN in JSON: the batch insert fails and falls back per row.
            return dataclasses.replace(result, thresholds={"ready": float("nan")})
        return result

    model = services.scoring_model_ensure(workspace=workspace)
    ScoringModel.objects.filter(pk=model.pk).update(weight_usage=19.0)
    monkeypatch.setattr(engine, "calculate", calculate_with_a_nan_for_the_poisoned_project)
    caplog.set_level(logging.ERROR)

    services.dirty_projects_recalculate()

    assert ScoreSnapshot.objects.filter(project__in=healthy).count() == 2
    poisoned.refresh_from_db()
    assert not poisoned.snapshots.exists()
    assert poisoned.recalculation_error == "an unexpected error occurred (see the server log)."
    assert "DataError" in caplog.text
