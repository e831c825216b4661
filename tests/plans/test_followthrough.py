"""The plan where CSMs look: the portfolio's action counts and filter, the report, PDF and CSV."""

from __future__ import annotations

import csv
import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from plans import services
from scoring import services as scoring_services
from tests.factories import ActionFactory, AssessmentFactory, submitted_response
from tests.plans.conftest import HIGH_KNOWLEDGE, baseline_project


def _days(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _measured_project(workspace):
    """Return a project with a done Knowledge action measured by a later round."""
    project = baseline_project(workspace)
    action, _ = services.action_add_recommended(
        project=project, user=None, owner=None, target="knowledge", target_group="end_users"
    )
    services.action_status_change(action=action, user=None, status="done")
    later = AssessmentFactory(
        project=project, name="Pre go-live", opens_on=datetime.date(2026, 11, 15), closes_on=None
    )
    for role in ("end_user",) * 3 + ("sponsor",) * 3:
        submitted_response(assessment=later, role=role, values=HIGH_KNOWLEDGE)
    scoring_services.project_recalculate(project_id=project.pk)
    return project, action


class TestPortfolio:
    def test_open_and_overdue_actions_per_project_with_a_filter(
        self, workspace, csm_client
    ) -> None:
        late = ActionFactory(project__account__workspace=workspace, project__name="Late one")
        late.due_on = _days(-1)
        late.save()
        ActionFactory(project=late.project, due_on=_days(5))
        ActionFactory(project=late.project, due_on=_days(-9), status="done")
        calm = ActionFactory(project__account__workspace=workspace, project__name="Calm one")
        calm.due_on = _days(10)
        calm.save()
        ActionFactory(
            project__account__workspace=workspace, project__name="Idle one", status="dropped"
        )

        page = csm_client.get(reverse("home"))
        rows = {p.name: (p.open_actions, p.overdue_actions) for p in page.context["page"]}
        assert rows == {"Late one": (2, 1), "Calm one": (1, 0), "Idle one": (0, 0)}
        assert "1 overdue" in page.content.decode()

        overdue = csm_client.get(reverse("home") + "?actions=overdue")
        assert [p.name for p in overdue.context["page"]] == ["Late one"]
        open_ = csm_client.get(reverse("home") + "?actions=open")
        assert sorted(p.name for p in open_.context["page"]) == ["Calm one", "Late one"]
        unknown = csm_client.get(reverse("home") + "?actions=someday").content.decode()
        assert "“someday” is not a known change-plan filter, so it was ignored." in unknown

    def test_the_portfolio_csv_carries_the_counts(self, workspace, csm_client) -> None:
        action = ActionFactory(project__account__workspace=workspace)
        action.due_on = _days(-3)
        action.save()
        response = csm_client.get(reverse("reports:portfolio_csv") + "?actions=overdue")
        (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert (row["Open actions"], row["Overdue actions"]) == ("1", "1")

    def test_the_portfolio_does_not_grow_with_actions(self, workspace, csm_client) -> None:
        def measure() -> int:
            csm_client.get("/?actions=open")
            with CaptureQueriesContext(connection) as context:
                assert csm_client.get("/?actions=open").status_code == 200
            return len(context)

        ActionFactory(project__account__workspace=workspace)
        small = measure()
        for _ in range(5):
            project = ActionFactory(project__account__workspace=workspace).project
            ActionFactory(project=project, due_on=_days(-2))
        assert measure() == small


class TestReport:
    def test_the_report_recommends_from_the_library_and_adds_in_one_click(
        self, workspace, csm_client
    ) -> None:
        project = baseline_project(workspace)
        page = csm_client.get(reverse("reports:project_report", args=[project.pk])).content.decode()
        assert "Knowledge — End users:" in page
        assert "Role-based training and job aids" in page
        assert "Add to plan" in page
        csm_client.post(
            reverse("plans:action_recommend", args=[project.pk]),
            {"target": "knowledge", "target_group": "end_users"},
        )
        page = csm_client.get(reverse("reports:project_report", args=[project.pk])).content.decode()
        assert "In the change plan: planned" in page

    def test_the_report_pdf_and_csv_carry_the_plan_with_its_effect(
        self, workspace, csm_client
    ) -> None:
        project, action = _measured_project(workspace)
        page = csm_client.get(reverse("reports:project_report", args=[project.pk])).content.decode()
        assert escape(action.title) in page and "2.00 → 4.00" in page and "improved" in page

        pdf = csm_client.get(reverse("reports:report_pdf", args=[project.pk]))
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Change plan" in text and "2.00 → 4.00" in text

        response = csm_client.get(reverse("reports:plan_csv", args=[project.pk]))
        assert 'filename="change-plan-rollout.csv"' in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        mean = next(row for row in rows if row["Figure"] == "Knowledge mean (1–5)")
        assert (mean["Before"], mean["After"], mean["Change"]) == ("2", "4", "2")
        assert mean["Effect measured between"] == "Kick-off baseline → Pre go-live"
        share = next(row for row in rows if row["Figure"].startswith("Share whose barrier"))
        assert (share["Before"], share["After"], share["Change"]) == ("100", "0", "-100")

    def test_a_plan_csv_neutralizes_formulas_and_says_not_measured(self, workspace, csm_client):
        action = ActionFactory(project__account__workspace=workspace, title="=HYPERLINK(1)")
        response = csm_client.get(reverse("reports:plan_csv", args=[action.project_id]))
        (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert row["Action"] == "'=HYPERLINK(1)"
        assert row["Effect note"] == "not measured yet"

    def test_viewers_cannot_export_the_plan(self, workspace, viewer_client) -> None:
        action = ActionFactory(project__account__workspace=workspace)
        url = reverse("reports:plan_csv", args=[action.project_id])
        assert viewer_client.get(url).status_code == 403

    def test_the_report_with_a_plan_does_not_grow_with_actions(self, workspace, csm_client):
        project, _ = _measured_project(workspace)
        url = reverse("reports:project_report", args=[project.pk])

        def measure() -> int:
            csm_client.get(url)
            with CaptureQueriesContext(connection) as context:
                assert csm_client.get(url).status_code == 200
            return len(context)

        small = measure()
        for _ in range(5):
            action = ActionFactory(project=project, source_assessment=project.assessments.last())
            services.action_status_change(action=action, user=None, status="in_progress")
        assert measure() == small
