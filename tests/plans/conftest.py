"""Fixtures for change plans: a scored project whose end users have a Knowledge barrier."""

from __future__ import annotations

import pytest

from readiness.models import Project
from scoring import services as scoring_services
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

# End users who know little (Knowledge 2.0: their barrier point) and leaders who are ready.
LOW_KNOWLEDGE = answers(
    aw=(4, 4, 4), de=(4, 4, 4), kn=(2, 2, 2), ab=(4, 4, 4), re=(4, 4, 4), ls=(4, 4, 4), nps=7
)
HIGH_KNOWLEDGE = answers(
    aw=(4, 4, 4), de=(4, 4, 4), kn=(4, 4, 4), ab=(4, 4, 4), re=(4, 4, 4), ls=(4, 4, 4), nps=9
)
READY = answers(
    aw=(5, 5, 5), de=(5, 5, 5), kn=(5, 5, 5), ab=(5, 5, 5), re=(5, 5, 5), ls=(5, 5, 5), nps=10
)


def baseline_project(workspace, end_users: int = 3) -> Project:
    """Return a project scored on a baseline where the end users' barrier is Knowledge."""
    project = ProjectFactory(account__workspace=workspace, name="Rollout")
    baseline = AssessmentFactory(project=project, name="Kick-off baseline")
    for _ in range(end_users):
        submitted_response(assessment=baseline, role="end_user", values=LOW_KNOWLEDGE)
    for _ in range(3):
        submitted_response(assessment=baseline, role="sponsor", values=HIGH_KNOWLEDGE)
    scoring_services.project_recalculate(project_id=project.pk)
    return project


@pytest.fixture
def project(workspace) -> Project:
    return baseline_project(workspace)


@pytest.fixture
def viewer_client(client_for, workspace):
    from workspaces.models import Role

    return client_for(workspace, Role.VIEWER)
