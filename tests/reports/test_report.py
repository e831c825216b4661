"""The project readiness report, its PDF and its score-history CSV."""

from __future__ import annotations

import csv
import html as html_module
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from readiness.models import Project
from scoring import engine, services
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response
from tests.worked_example import WORKED_RESPONSES

pytestmark = pytest.mark.django_db

WORKED_USAGE = engine.UsageFigures(
    active_users=60, licensed_seats=100, features_used=3, features_tracked=4
)


@pytest.fixture
def usage(monkeypatch):
    """Return a dict of project id → usage figures that the scoring reads as imported usage."""
    figures: dict[int, engine.UsageFigures] = {}
    monkeypatch.setattr(
        "scoring.evidence.usage_figures_for_projects",
        lambda project_ids: {pk: figures[pk] for pk in project_ids if pk in figures},
    )
    return figures


def report_html(client, project: Project) -> str:
    response = client.get(reverse("reports:project_report", args=[project.pk]))
    assert response.status_code == 200
    return html_module.unescape(response.content.decode())


def worked_example(workspace, usage, *, concerns: tuple[str, ...] = ()) -> Project:
    """Return SPEC §4's worked example, usage included, with a calculated snapshot."""
    project = ProjectFactory(account__workspace=workspace, status="live", name="Fleet rollout")
    assessment = AssessmentFactory(project=project)
    for index, (role, values) in enumerate(WORKED_RESPONSES):
        concern = concerns[index] if index < len(concerns) else ""
        submitted_response(assessment=assessment, role=role, values=values, concern=concern)
    usage[project.pk] = WORKED_USAGE
    services.project_recalculate(project_id=project.pk)
    return project


def groups_project(workspace, usage, *, leaders: dict, end_users: dict, status="live") -> Project:
    """Return a project with three leaders and three end users answering alike, scored."""
    project = ProjectFactory(account__workspace=workspace, status=status)
    assessment = AssessmentFactory(project=project)
    for role, values in (("sponsor", leaders), ("end_user", end_users)):
        for _ in range(3):
            submitted_response(assessment=assessment, role=role, values=values)
    return project


class TestWorkedExample:
    def test_shows_the_score_band_and_explanation(self, workspace, usage, viewer_client) -> None:
        html = report_html(viewer_client, worked_example(workspace, usage))
        assert 'data-testid="report-score">61.0<' in html
        assert "At risk" in html
        # Each component's points: 23.1 + 17.4 + 7.5 + 13.0 = 61.0
        for points in ("23.1", "17.4", "7.5", "13.0"):
            assert f'<td class="text-end">{points}</td>' in html
        assert "Missing:" not in html

    def test_suppressed_groups_say_so_and_show_no_figures(
        self, workspace, usage, viewer_client
    ) -> None:
        html = report_html(viewer_client, worked_example(workspace, usage))
        assert html.count("Suppressed: fewer than 3 responses") >= 6  # 2 groups × 3 tables
        assert "so this group's figures are not shown" in html
        # The end users' own ADKAR means (e.g. Knowledge 2.333 → 2.3) appear nowhere.
        assert ">2.3<" not in html

    def test_shows_nps_counts_barriers_actions_and_the_low_confidence_flag(
        self, workspace, usage, viewer_client
    ) -> None:
        html = report_html(viewer_client, worked_example(workspace, usage))
        assert "Low confidence." in html and "only 3 submitted responses (fewer than 5)" in html
        # One promoter, one passive, one detractor; NPS 0.0.
        assert '<td class="text-end">0.0</td>\n        <td class="text-end">1</td>' in html
        assert "33.3 %" in html  # barrier share of desire and knowledge
        assert "Knowledge:</strong> Role-based training" in html
        assert "60 of 100 seats" in html and "3 of 4 tracked features" in html

    def test_concerns_are_listed_without_their_writers(
        self, workspace, usage, viewer_client
    ) -> None:
        project = worked_example(
            workspace, usage, concerns=("Training comes too late", "", "Another tool to learn")
        )
        html = report_html(viewer_client, project)
        assert html.index("Another tool to learn") < html.index("Training comes too late")
        for invitation in project.assessments.get().invitations.all():
            assert invitation.name not in html and invitation.email not in html

    def test_concerns_are_hidden_below_the_minimum_group_size(
        self, workspace, viewer_client
    ) -> None:
        project = ProjectFactory(account__workspace=workspace)
        submitted_response(
            assessment=AssessmentFactory(project=project),
            values=answers(aw=(4, 4, 4), nps=9),
            concern="Only I would write this",
        )
        services.project_recalculate(project_id=project.pk)
        html = report_html(viewer_client, project)
        assert "Only I would write this" not in html
        assert "Concerns are not shown with fewer than 3 responses" in html

    def test_without_usage_names_the_missing_component(self, worked_project, viewer_client) -> None:
        services.project_recalculate(project_id=worked_project.pk)
        html = report_html(viewer_client, worked_project)
        assert 'data-testid="report-score">60.0<' in html  # 59.965 re-weighted over 80
        assert "Missing: Usage (no usage imported" in html

    def test_missing_components_are_listed_without_a_dangling_separator(
        self, workspace, usage, viewer_client
    ) -> None:
        project = ProjectFactory(account__workspace=workspace)
        submitted_response(
            assessment=AssessmentFactory(project=project), values=answers(aw=(4, 4, 4))
        )
        usage[project.pk] = WORKED_USAGE
        services.project_recalculate(project_id=project.pk)
        html = report_html(viewer_client, project)
        assert "(no NPS answers). Missing components are left out" in html
        assert "; ." not in html

    def test_a_project_without_a_snapshot_says_how_a_score_appears(
        self, workspace, viewer_client
    ) -> None:
        html = report_html(viewer_client, ProjectFactory(account__workspace=workspace))
        assert "No score yet. The report fills in once a response is submitted" in html


class TestFlags:
    def test_leadership_gap_appears_with_its_figures(self, workspace, usage, viewer_client) -> None:
        high = answers(aw=(5, 5, 5), de=(5, 5, 5), kn=(5, 5, 5), ab=(5, 5, 5), re=(5, 5, 5), nps=9)
        low = answers(aw=(2, 2, 2), de=(2, 2, 2), kn=(2, 2, 2), ab=(2, 2, 2), re=(2, 2, 2), nps=7)
        project = groups_project(workspace, usage, leaders=high, end_users=low)
        services.project_recalculate(project_id=project.pk)
        html = report_html(viewer_client, project)
        assert "Leadership gap." in html
        assert "Leadership's ADKAR index (100.0) is 75.0 points above the end users' (25.0)" in html

    def test_forced_adoption_appears_with_its_figures(
        self, workspace, usage, viewer_client
    ) -> None:
        neutral = answers(aw=(4, 4, 4), de=(4, 4, 4), kn=(4, 4, 4), ab=(4, 4, 4), re=(4, 4, 4))
        project = groups_project(
            workspace, usage, leaders={**neutral, "NPS": 9}, end_users={**neutral, "NPS": 3}
        )
        usage[project.pk] = engine.UsageFigures(
            active_users=100, licensed_seats=100, features_used=4, features_tracked=4
        )
        services.project_recalculate(project_id=project.pk)
        html = report_html(viewer_client, project)
        assert "Forced adoption." in html
        assert "Usage index 100.0 is high while the end users' sentiment index is 0.0" in html

    def test_say_do_gap_appears_with_its_figures(self, workspace, usage, viewer_client) -> None:
        ready = answers(aw=(5, 5, 5), de=(5, 5, 5), kn=(5, 5, 5), ab=(5, 5, 5), re=(5, 5, 5), nps=9)
        project = groups_project(workspace, usage, leaders=ready, end_users=ready)
        usage[project.pk] = engine.UsageFigures(
            active_users=20, licensed_seats=100, features_used=1, features_tracked=4
        )
        services.project_recalculate(project_id=project.pk)
        html = report_html(viewer_client, project)
        assert "Say-do gap." in html
        assert "End users rate their Knowledge 5.00 and Ability 5.00 but the usage index is only 21.7" in html  # fmt: skip


class TestHistory:
    def test_history_runs_across_snapshots_and_assessments(
        self, workspace, usage, viewer_client
    ) -> None:
        project = worked_example(workspace, usage)
        later = AssessmentFactory(
            project=project, name="Pre go-live", opens_on="2026-11-01", closes_on=None
        )
        for role, values in WORKED_RESPONSES:
            submitted_response(assessment=later, role=role, values={**values, "NPS": 10})
        services.project_recalculate(project_id=project.pk)
        html = report_html(viewer_client, project)
        history = html[html.index('id="history-heading"') :]
        assert "Kick-off baseline" in history and "Pre go-live" in history
        assert history.index("Kick-off baseline") < history.index("Pre go-live")  # oldest first
        assert '"history"' in html and "61.0" in history


class TestQueryCount:
    def test_does_not_grow_with_respondents_snapshots_or_concerns(
        self, workspace, usage, viewer_client
    ) -> None:
        project = worked_example(workspace, usage, concerns=("One", "Two", "Three"))
        url = reverse("reports:project_report", args=[project.pk])
        viewer_client.get(url)  # the first request of a session does some one-off work
        with CaptureQueriesContext(connection) as small:
            assert viewer_client.get(url).status_code == 200
        assessment = project.assessments.get()
        for number in range(12):
            submitted_response(
                assessment=assessment,
                role="sponsor" if number % 2 else "end_user",
                values=answers(aw=(number % 5 + 1,) * 3, nps=number % 11),
                concern=f"Concern {number}",
            )
            services.project_recalculate(project_id=project.pk)
        with CaptureQueriesContext(connection) as large:
            assert viewer_client.get(url).status_code == 200
        assert project.snapshots.count() > 10
        assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


class TestPdf:
    def test_pdf_holds_the_score_band_and_suppression(self, workspace, usage, csm_client) -> None:
        project = worked_example(workspace, usage)
        response = csm_client.get(reverse("reports:report_pdf", args=[project.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert 'filename="readiness-report-fleet-rollout.pdf"' in response["Content-Disposition"]
        text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        assert "61.0" in text and "At risk" in text
        assert "Suppressed: fewer than 3 responses" in text
        assert "Low confidence" in text

    def test_a_viewer_cannot_export(self, workspace, usage, viewer_client) -> None:
        project = worked_example(workspace, usage)
        assert (
            viewer_client.get(reverse("reports:report_pdf", args=[project.pk])).status_code == 403
        )
        url = reverse("reports:project_history_csv", args=[project.pk])
        assert viewer_client.get(url).status_code == 403

    def test_the_report_page_offers_the_exports_to_those_who_may(
        self, workspace, usage, csm_client, viewer_client
    ) -> None:
        project = worked_example(workspace, usage)
        assert "Download PDF" in report_html(csm_client, project)
        assert "Download PDF" not in report_html(viewer_client, project)


class TestHistoryCsv:
    def test_rows_with_suppressed_groups_and_neutralized_text(
        self, workspace, usage, csm_client
    ) -> None:
        project = worked_example(workspace, usage)
        project.assessments.update(name='=HYPERLINK("http://evil.example")')
        response = csm_client.get(reverse("reports:project_history_csv", args=[project.pk]))
        assert response["Content-Type"] == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert len(rows) == 1
        row = rows[0]
        assert row["Score"] == "60.97"  # 60.972…, rounded once by the CSV writer
        assert row["Band"] == "At risk"
        assert row["Assessment"].startswith("'=HYPERLINK")
        assert row["Leadership: ADKAR index"] == "suppressed"
        assert row["End users: sentiment index"] == "suppressed"
        assert row["Flags"] == "Low confidence"


class TestLinks:
    def test_the_project_page_links_to_the_report(self, workspace, viewer_client) -> None:
        project = ProjectFactory(account__workspace=workspace)
        html = viewer_client.get(reverse("reports:project_detail", args=[project.pk])).content
        assert reverse("reports:project_report", args=[project.pk]).encode() in html
