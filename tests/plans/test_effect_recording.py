"""Effects are stored with the snapshot of the later round and shown on the plan."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans import services
from plans.models import Action, ActionEffect
from scoring import services as scoring_services
from scoring.models import ScoreSnapshot
from tests.factories import AssessmentFactory, submitted_response
from tests.plans.conftest import HIGH_KNOWLEDGE, LOW_KNOWLEDGE, baseline_project


def recommended(project) -> Action:
    action, _ = services.action_add_recommended(
        project=project, user=None, owner=None, target="knowledge", target_group="end_users"
    )
    return action


def next_round(project, end_users) -> None:
    later = AssessmentFactory(
        project=project, name="Pre go-live", opens_on=datetime.date(2026, 11, 15), closes_on=None
    )
    for values in end_users:
        submitted_response(assessment=later, role="end_user", values=values)
    for _ in range(3):
        submitted_response(assessment=later, role="sponsor", values=HIGH_KNOWLEDGE)
    return later


class TestRecording:
    def test_the_next_round_measures_an_action_in_progress(self, workspace, csm_client) -> None:
        project = baseline_project(workspace)
        action = recommended(project)
        services.action_status_change(action=action, user=None, status="in_progress")
        assert not ActionEffect.objects.exists()  # no later round yet
        next_round(project, [HIGH_KNOWLEDGE, HIGH_KNOWLEDGE, LOW_KNOWLEDGE])
        snapshot = scoring_services.project_recalculate(project_id=project.pk)
        effect = ActionEffect.objects.get()
        assert effect.snapshot == snapshot
        assert effect.before_assessment.name == "Kick-off baseline"
        assert effect.after_assessment.name == "Pre go-live"
        mean = effect.result["measures"][0]
        # Knowledge 2.0 for every end user before; 4, 4 and 2 after: mean 3.333.
        assert (mean["before"], round(mean["after"], 3), mean["verdict"]) == (2.0, 3.333, "better")
        page = csm_client.get(reverse("plans:plan", args=[project.pk])).content.decode()
        assert "2.00 → 3.33" in page and "improved" in page

    def test_a_planned_action_is_not_measured(self, workspace) -> None:
        project = baseline_project(workspace)
        recommended(project)
        next_round(project, [HIGH_KNOWLEDGE] * 3)
        scoring_services.project_recalculate(project_id=project.pk)
        assert not ActionEffect.objects.exists()

    def test_marking_done_after_the_later_round_measures_at_once(self, workspace) -> None:
        project = baseline_project(workspace)
        action = recommended(project)
        next_round(project, [LOW_KNOWLEDGE] * 3)
        scoring_services.project_recalculate(project_id=project.pk)
        services.action_status_change(action=action, user=None, status="done")
        measure = ActionEffect.objects.get(action=action).result["measures"][0]
        assert (measure["change"], measure["verdict"]) == (0.0, "unchanged")

    def test_a_too_small_later_round_says_so(self, workspace) -> None:
        project = baseline_project(workspace)
        action = recommended(project)
        services.action_status_change(action=action, user=None, status="in_progress")
        next_round(project, [HIGH_KNOWLEDGE, HIGH_KNOWLEDGE])
        scoring_services.project_recalculate(project_id=project.pk)
        result = ActionEffect.objects.get().result
        assert result["state"] == "too_small"
        assert {m["note"] for m in result["measures"]} == {"group too small"}
        assert all(m["before"] is None and m["after"] is None for m in result["measures"])

    def test_a_stored_effect_does_not_shift_when_answers_change_later(self, workspace) -> None:
        project = baseline_project(workspace)
        action = recommended(project)
        services.action_status_change(action=action, user=None, status="in_progress")
        later = next_round(project, [HIGH_KNOWLEDGE] * 3)
        scoring_services.project_recalculate(project_id=project.pk)
        first = ActionEffect.objects.get()
        frozen = dict(first.result)
        submitted_response(assessment=later, role="end_user", values=LOW_KNOWLEDGE)
        scoring_services.project_recalculate(project_id=project.pk)
        first.refresh_from_db()
        assert first.result == frozen
        assert ActionEffect.objects.count() == 2
        newest = ActionEffect.objects.order_by("-created_at", "-id").first()
        assert newest.result["measures"][0]["after"] == 3.5  # (4 + 4 + 4 + 2) / 4

    def test_a_sweep_records_effects_in_a_fixed_number_of_queries(self, workspace) -> None:
        def sweep_queries(count: int) -> int:
            projects = []
            for _ in range(count):
                project = baseline_project(workspace)
                action = recommended(project)
                services.action_status_change(action=action, user=None, status="in_progress")
                next_round(project, [HIGH_KNOWLEDGE] * 3)
                projects.append(project.pk)
            with CaptureQueriesContext(connection) as context:
                scoring_services.projects_recalculate(project_ids=projects)
            return len(context)

        one = sweep_queries(1)
        assert sweep_queries(4) == one
        assert ActionEffect.objects.count() == 5
        assert ScoreSnapshot.objects.count() == 10
