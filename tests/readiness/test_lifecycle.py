"""Closing early shows the actual closing date; a closed assessment reopens until a new date."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import AssessmentState
from tests.readiness.test_assessments import TODAY, invite, open_assessment
from tests.readiness.test_survey import link

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def close_early(assessment):
    # Closed three days before the planned closing date.
    now = timezone.now() - 7 * DAY
    return services.assessment_close(assessment=assessment, now=now)


class TestClosingEarly:
    def test_the_actual_closing_date_is_shown_on_every_page(
        self, consultant_client, client, workspace
    ):
        assessment = open_assessment(project__account__workspace=workspace)
        invitation = invite(assessment)
        closed = close_early(assessment)
        actual = timezone.localdate(closed.closed_at)
        assert closed.closing_date == actual and closed.closed_early
        page = consultant_client.get(
            reverse("readiness:assessment_detail", args=[assessment.pk])
        ).content.decode()
        assert f"<dt>Closed</dt><dd>{actual:%Y-%m-%d}" in page
        assert f"(early; planned {assessment.closes_on:%Y-%m-%d})" in page
        project_page = consultant_client.get(
            reverse("reports:project_detail", args=[assessment.project_id])
        ).content.decode()
        assert f"{actual:%Y-%m-%d} <span" in project_page and "closed early" in project_page
        survey = client.get(link(invitation)).content.decode()
        assert f"it closed on {actual.day} {actual:%B %Y}" in survey

    def test_an_assessment_closed_on_schedule_shows_its_planned_date(self, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        after = timezone.now() + 11 * DAY
        services.assessment_close(assessment=assessment, now=after)
        assessment.refresh_from_db()
        assert assessment.closing_date == assessment.closes_on
        assert not assessment.closed_early


class TestReopen:
    def test_a_closed_assessment_reopens_until_a_new_date(
        self, consultant_client, client, workspace
    ):
        assessment = open_assessment(project__account__workspace=workspace)
        invitation = invite(assessment)
        close_early(assessment)
        new_date = TODAY + 5 * DAY
        response = consultant_client.post(
            reverse("readiness:assessment_reopen", args=[assessment.pk]),
            {"closes_on": new_date.isoformat()},
            follow=True,
        )
        assert f"is open again until {new_date:%Y-%m-%d}" in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.state == AssessmentState.OPEN
        assert (assessment.closes_on, assessment.closed_at) == (new_date, None)
        assert "Start the survey" in client.get(link(invitation)).content.decode()

    def test_a_past_date_is_refused_and_the_assessment_stays_closed(
        self, consultant_client, workspace
    ):
        assessment = open_assessment(project__account__workspace=workspace)
        close_early(assessment)
        response = consultant_client.post(
            reverse("readiness:assessment_reopen", args=[assessment.pk]),
            {"closes_on": (TODAY - DAY).isoformat()},
            follow=True,
        )
        assert "Choose a new closing date from today on." in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.state == AssessmentState.CLOSED

    @pytest.mark.parametrize(
        ("closes_on", "message"),
        [
            ("", "Choose the new closing date."),
            ("2026-02-30", "Enter the new closing date as YYYY-MM-DD."),
            ("next friday", "Enter the new closing date as YYYY-MM-DD."),
            ("1999-12-31", "Enter a date between 2000 and 2099."),
        ],
    )
    def test_bad_dates_get_a_clear_message(self, consultant_client, workspace, closes_on, message):
        assessment = open_assessment(project__account__workspace=workspace)
        close_early(assessment)
        response = consultant_client.post(
            reverse("readiness:assessment_reopen", args=[assessment.pk]),
            {"closes_on": closes_on},
            follow=True,
        )
        assert response.status_code == 200 and message in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.state == AssessmentState.CLOSED

    def test_only_a_closed_assessment_reopens(self, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        with pytest.raises(ValidationError, match="Only a closed assessment can be reopened"):
            services.assessment_reopen(assessment=assessment, closes_on=TODAY + DAY)

    @pytest.mark.parametrize("role", ["csm", "viewer"])
    def test_only_those_who_run_assessments_reopen(self, client_for, workspace, role):
        assessment = open_assessment(project__account__workspace=workspace)
        close_early(assessment)
        response = client_for(workspace, role).post(
            reverse("readiness:assessment_reopen", args=[assessment.pk]),
            {"closes_on": (TODAY + DAY).isoformat()},
        )
        assert response.status_code == 403
