"""The assessment page never lets a concern be traced to its writer (issue 11, item 8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness import services
from scoring import services as scoring_services
from tests.readiness.test_assessments import invite, open_assessment
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def submitted(assessment, concerns: list[str]) -> None:
    for text in concerns:
        person = invite(assessment)
        services.response_save_draft(invitation=person, answers={"CON": text}, step=7)
        services.response_submit(invitation=person)
    # The concerns shown are those of the responses the figures cover.
    scoring_services.project_recalculate(project_id=assessment.project_id)


def page(client, assessment) -> str:
    url = reverse("readiness:assessment_detail", args=[assessment.pk])
    return client.get(url).content.decode()


def test_a_single_submission_shows_neither_its_concern_nor_a_count(client_for, workspace):
    assessment = open_assessment(project__account__workspace=workspace)
    submitted(assessment, ["My manager ignores the rollout"])
    html = page(client_for(workspace, Role.CONSULTANT), assessment)
    assert "My manager ignores the rollout" not in html
    assert 'fw-normal">(1)</span>' not in html
    assert "Concerns are shown once the figures cover at least 3 people's answers" in html


def test_concerns_appear_once_the_group_is_large_enough(client_for, workspace):
    assessment = open_assessment(project__account__workspace=workspace)
    submitted(assessment, ["Training time", "Budget", "Old habits"])
    html = page(client_for(workspace, Role.CSM), assessment)
    assert 'fw-normal">(3)</span>' in html and "Old habits" in html


def test_the_workspace_minimum_group_size_applies(client_for, workspace):
    scoring_services.scoring_model_ensure(workspace=workspace)
    scoring_services.scoring_model_revise(workspace=workspace, user=None, min_group_size=5)
    assessment = open_assessment(project__account__workspace=workspace)
    submitted(assessment, ["Training time", "Budget", "Old habits", "Speed"])
    html = page(client_for(workspace, Role.CONSULTANT), assessment)
    assert "Speed" not in html and "at least 5 people" in html


def test_viewers_never_see_concerns(client_for, workspace):
    assessment = open_assessment(project__account__workspace=workspace)
    submitted(assessment, ["Training time", "Budget", "Old habits"])
    html = page(client_for(workspace, Role.VIEWER), assessment)
    assert "Old habits" not in html and "concerns-heading" not in html


def test_a_concern_submitted_after_the_shown_figures_waits(client_for, workspace):
    assessment = open_assessment(project__account__workspace=workspace)
    submitted(assessment, ["Training time", "Budget", "Old habits"])
    submitted(assessment, ["Only the fourth person wrote this"])
    html = page(client_for(workspace, Role.CONSULTANT), assessment)
    # The figures cover the first three; the fourth's concern appears with two more answers.
    assert "Old habits" in html and "Only the fourth person wrote this" not in html
