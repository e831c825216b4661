"""The score on the project page, the scoring model page, the command and the demo data."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import RestrictedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.models import Project
from scoring import services
from scoring.models import ScoreSnapshot, ScoringModel
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response
from workspaces.models import Role

pytestmark = pytest.mark.django_db

VALID_MODEL = {
    "weight_adkar": "40",
    "weight_leadership": "25",
    "weight_sentiment": "15",
    "weight_usage": "20",
    "ready_threshold": "70",
    "at_risk_threshold": "50",
    "forced_adoption_usage_min": "70",
    "forced_adoption_sentiment_max": "50",
    "leadership_gap_min": "20",
    "say_do_element_min": "4",
    "say_do_usage_max": "40",
    "low_confidence_min_responses": "5",
    "low_confidence_min_rate": "30",
    "min_group_size": "3",
    "action_awareness": "Explain why.",
    "action_desire": "Coach.",
    "action_knowledge": "Train.",
    "action_ability": "Practice.",
    "action_reinforcement": "Recognize.",
}


class TestProjectPage:
    def test_shows_the_latest_score_with_its_explanation(
        self, worked_project: Project, viewer_client
    ) -> None:
        services.project_recalculate(project_id=worked_project.pk)
        page = viewer_client.get(reverse("reports:project_detail", args=[worked_project.pk]))
        html = page.content.decode()
        assert "60.0<span" in html  # 59.965 shown with one decimal
        assert "At risk" in html and "Low confidence." in html
        assert "only 3 submitted responses (fewer than 5)" in html
        assert "Hidden: fewer than 3 responses, to protect anonymity." in html
        assert "Knowledge:</strong> Role-based training" in html
        assert "Score history" in html and "Recalculate now" not in html

    def test_without_a_snapshot_says_how_a_score_appears(self, workspace, viewer_client) -> None:
        project = ProjectFactory(account__workspace=workspace)
        html = viewer_client.get(reverse("reports:project_detail", args=[project.pk])).content
        assert b"No score yet. It appears once a response is submitted" in html

    def test_not_enough_data_is_never_zero(self, workspace, viewer_client) -> None:
        project = ProjectFactory(account__workspace=workspace)
        services.project_recalculate(project_id=project.pk)
        html = viewer_client.get(reverse("reports:project_detail", args=[project.pk])).content
        assert b"Not enough data." in html

    def test_query_count_does_not_grow_with_history(
        self, worked_project: Project, viewer_client
    ) -> None:
        url = reverse("reports:project_detail", args=[worked_project.pk])
        services.project_recalculate(project_id=worked_project.pk)
        viewer_client.get(url)  # the first request of a session does some one-off work
        with CaptureQueriesContext(connection) as one:
            viewer_client.get(url)
        for number in range(5):
            submitted_response(
                assessment=worked_project.assessments.get(),
                values=answers(aw=(number % 5 + 1,) * 3),
            )
            services.project_recalculate(project_id=worked_project.pk)
        assert worked_project.snapshots.count() == 6
        with CaptureQueriesContext(connection) as six:
            viewer_client.get(url)
        assert len(six) == len(one), "\n".join(q["sql"][:120] for q in six.captured_queries)

    def test_consultants_recalculate_on_request(
        self, worked_project: Project, consultant_client, viewer_client
    ) -> None:
        url = reverse("scoring:project_recalculate", args=[worked_project.pk])
        assert viewer_client.post(url).status_code == 403
        response = consultant_client.post(url, follow=True)
        assert worked_project.snapshots.count() == 1
        assert b"Score recalculated." in response.content
        again = consultant_client.post(url, follow=True)
        assert b"The score is up to date: nothing changed since the last one." in again.content


class TestScoringModelPage:
    @pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CSM, Role.VIEWER])
    def test_only_admins_edit_the_model(self, client_for, workspace, role: str) -> None:
        response = client_for(workspace, role).get(reverse("scoring:scoring_model"))
        assert response.status_code == 403

    def test_saving_makes_a_new_version(self, admin_client_ws, workspace) -> None:
        url = reverse("scoring:scoring_model")
        assert b"Version 1 is in force" in admin_client_ws.get(url).content
        response = admin_client_ws.post(url, {**VALID_MODEL, "weight_usage": "30"}, follow=True)
        assert b"Saved as version 2." in response.content
        current = ScoringModel.objects.for_workspace(workspace).first()
        assert current.version == 2 and current.weight_usage == 30.0
        assert current.action_awareness == "Explain why."
        assert current.created_by == admin_client_ws.user

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"weight_usage": "-1"}, "Weights cannot be negative: enter 0 or more."),
            (
                {name: "0" for name in VALID_MODEL if name.startswith("weight_")},
                "Give at least one component a weight above 0.",
            ),
            (
                {"at_risk_threshold": "75"},
                "The “At risk” threshold must be below the “Ready” threshold.",
            ),
            ({"ready_threshold": "120"}, "Enter a figure between 0 and 100."),
            ({"min_group_size": "0"}, "The minimum group size must be at least 1."),
            ({"low_confidence_min_rate": "130"}, "Enter a response rate between 0 and 100 %."),
            ({"action_desire": "  "}, "Enter a value for every field."),
            ({"weight_adkar": "lots"}, "Enter a number."),
        ],
    )
    def test_bad_input_is_refused_with_a_clear_message(
        self, admin_client_ws, workspace, change: dict[str, str], message: str
    ) -> None:
        response = admin_client_ws.post(reverse("scoring:scoring_model"), {**VALID_MODEL, **change})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert ScoringModel.objects.for_workspace(workspace).count() == 1

    def test_an_unchanged_model_saves_no_version(self, admin_client_ws, workspace) -> None:
        url = reverse("scoring:scoring_model")
        admin_client_ws.post(url, VALID_MODEL)
        response = admin_client_ws.post(url, VALID_MODEL, follow=True)
        assert b"Nothing changed, so no new version was saved." in response.content
        assert ScoringModel.objects.for_workspace(workspace).count() == 2


class TestRecalculateScoresCommand:
    def test_recalculates_dirty_projects(self, worked_project: Project, workspace) -> None:
        clean = ProjectFactory(account__workspace=workspace)
        Project.objects.filter(pk=worked_project.pk).update(needs_recalculation=True)
        out = StringIO()
        call_command("recalculate_scores", stdout=out)
        assert out.getvalue().strip() == "Recalculated 1 project(s); 1 new snapshot(s) stored."
        assert not clean.snapshots.exists()

    def test_prints_the_latest_snapshot_as_json(self, worked_project: Project) -> None:
        out = StringIO()
        call_command("recalculate_scores", "--project", worked_project.pk, "--json", stdout=out)
        [printed] = json.loads(out.getvalue())
        assert printed["project_id"] == worked_project.pk
        assert round(printed["score"], 3) == 59.965 and printed["band"] == "at_risk"
        assert [c["name"] for c in printed["components"]] == [
            "adkar",
            "leadership",
            "sentiment",
            "usage",
        ]
        assert printed["element_means"]["leadership"] is None  # suppressed group
        assert round(printed["element_means"]["all"]["ability"], 3) == 2.889
        assert round(printed["barrier_distribution"]["desire"], 3) == 0.333
        assert [f["code"] for f in printed["flags"]] == ["low_confidence"]
        assert printed["responses"] == 3 and printed["response_rate"] == 1.0

    def test_an_unknown_project_is_a_clear_error(self) -> None:
        with pytest.raises(CommandError, match="No project has the id 424242"):
            call_command("recalculate_scores", "--project", "424242")


class TestDemoData:
    def test_every_demo_project_has_a_score_and_a_second_run_stores_nothing(self) -> None:
        call_command("seed_demo", stdout=StringIO())
        projects = Project.objects.filter(workspace__slug="demo")
        assert all(project.snapshots.exists() for project in projects)
        count = ScoreSnapshot.objects.count()
        call_command("seed_demo", stdout=StringIO())
        call_command("recalculate_scores", stdout=StringIO())
        assert ScoreSnapshot.objects.count() == count

    def test_demo_shows_every_band_every_flag_and_a_history(self) -> None:
        call_command("seed_demo", stdout=StringIO())
        latest = {
            project.name: project.snapshots.order_by("-created_at", "-id").first()
            for project in Project.objects.filter(workspace__slug="demo")
        }
        assert {snapshot.band for snapshot in latest.values()} >= {"ready", "at_risk", "not_ready"}
        assert latest["Store operations pilot"].score is None  # not enough data
        flags = {code for snapshot in latest.values() for code in snapshot.flags}
        assert flags == {"forced_adoption", "leadership_gap", "say_do_gap", "low_confidence"}
        assert latest["Shop-floor analytics"].flags == ["forced_adoption"]
        assert latest["Warehouse mobile app"].flags == ["say_do_gap"]
        acme_history = list(
            ScoreSnapshot.objects.filter(project__name="Fleet planning rollout")
            .order_by("created_at")
            .values_list("score", flat=True)
        )
        assert len(acme_history) >= 2 and acme_history[-1] > acme_history[0]

    def test_history_has_one_snapshot_per_scored_assessment(self, workspace) -> None:
        import datetime

        project = ProjectFactory(account__workspace=workspace, status="live")
        baseline = AssessmentFactory(
            project=project,
            opens_on=datetime.date(2026, 1, 5),
            closes_on=datetime.date(2026, 1, 31),
        )
        later = AssessmentFactory(
            project=project,
            name="Pre go-live",
            opens_on=datetime.date(2026, 3, 2),
            closes_on=datetime.date(2026, 3, 20),
        )
        submitted_response(assessment=baseline, values=answers(aw=(2, 2, 2)))
        submitted_response(assessment=later, values=answers(aw=(5, 5, 5)))
        services.project_history_backfill(project_id=project.pk)
        history = list(project.snapshots.order_by("created_at", "id"))
        assert [s.assessment for s in history] == [baseline, later]
        assert history[0].score < history[1].score
        assert services.project_history_backfill(project_id=project.pk).stored == ()


def test_a_workspace_with_scores_can_be_deleted(workspace) -> None:
    from scoring import services as scoring_services
    from workspaces.models import Workspace

    project = ProjectFactory(account__workspace=workspace)
    assessment = AssessmentFactory(project=project)
    submitted_response(assessment=assessment, values=answers(aw=(4, 4, 4), nps=9))
    scoring_services.project_recalculate(project_id=project.pk)
    assert ScoreSnapshot.objects.filter(project=project).exists()
    with pytest.raises(RestrictedError):  # a template in use cannot go on its own
        assessment.template.delete()
    workspace.delete()
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert not ScoreSnapshot.objects.exists()
