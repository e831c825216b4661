"""The CSM portfolio (the home page) and its CSV export."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.models import Project
from reports import selectors
from scoring import services
from scoring.models import ScoreSnapshot
from tests.factories import (
    AccountFactory,
    AssessmentFactory,
    ProjectFactory,
    UserFactory,
    answers,
    submitted_response,
)

pytestmark = pytest.mark.django_db

GOOD = answers(aw=(5, 5, 5), de=(5, 5, 5), kn=(5, 5, 4), ab=(5, 4, 4), re=(4, 4, 4),
               ls=(5, 5, 5), nps=10)  # fmt: skip
WEAK = answers(aw=(2, 2, 2), de=(2, 2, 1), kn=(2, 2, 2), ab=(1, 2, 2), re=(2, 2, 2),
               ls=(2, 2, 2), nps=3)  # fmt: skip


def scored_project(workspace, name: str, *values, owner=None, status="live", **extra) -> Project:
    """Return a project whose assessment has one response per `values`, with a snapshot."""
    account = AccountFactory(workspace=workspace, name=f"{name} Inc", owner=owner)
    project = ProjectFactory(account=account, name=name, status=status, **extra)
    assessment = AssessmentFactory(project=project)
    for answer_values in values:
        submitted_response(assessment=assessment, values=answer_values)
    services.project_recalculate(project_id=project.pk)
    return project


def next_round(project: Project, *values) -> None:
    """Open the project's next assessment round a month after its latest, answer and score it."""
    latest = project.assessments.order_by("-opens_on").first()
    assessment = AssessmentFactory(
        project=project,
        name="Next round",
        opens_on=latest.opens_on + datetime.timedelta(days=30),
        closes_on=None,
    )
    for answer_values in values:
        submitted_response(assessment=assessment, values=answer_values)
    services.project_recalculate(project_id=project.pk)


def rows(client, query: str = "") -> list[str]:
    """Return the project names of the portfolio's rows, in order."""
    page = client.get(reverse("home") + query)
    assert page.status_code == 200
    return re.findall(
        r'class="fw-semibold" href="/projects/\d+/report/">([^<]+)</a>', page.content.decode()
    )


class TestHomePage:
    def test_home_is_the_portfolio_with_each_projects_figures(self, workspace, csm_client) -> None:
        scored_project(workspace, "Fleet", GOOD, GOOD, GOOD, owner=csm_client.user)
        page = html.unescape(csm_client.get("/").content.decode())
        assert "<h1>Portfolio</h1>" in page
        assert "Fleet" in page and "Ready" in page
        assert "Low confidence" in page  # 3 responses < 5
        assert "100.0 %" in page  # 3 of 3 invitations answered
        assert csm_client.user.first_name in page
        assert reverse("reports:project_report", args=[Project.objects.get().pk]) in page

    def test_change_since_the_previous_round(self, workspace, viewer_client) -> None:
        project = scored_project(workspace, "Fleet", GOOD, GOOD, GOOD)
        first = ScoreSnapshot.objects.get().score
        next_round(project, WEAK, WEAK, WEAK)
        latest = ScoreSnapshot.objects.order_by("-id").first().score
        page = viewer_client.get("/").content.decode()
        assert f"−{abs(latest - first):.1f}" in page and 'class="text-danger"' in page

    def test_more_answers_in_the_same_round_are_no_change(self, workspace, viewer_client) -> None:
        project = scored_project(workspace, "Fleet", GOOD, GOOD, GOOD)
        for _ in range(3):
            submitted_response(assessment=project.assessments.get(), values=WEAK)
        services.project_recalculate(project_id=project.pk)
        assert ScoreSnapshot.objects.count() == 2
        assert selectors.portfolio_projects(workspace=workspace).get().change is None

    def test_a_scoring_model_change_between_rounds_is_not_a_change(
        self, workspace, viewer_client
    ) -> None:
        project = scored_project(workspace, "Fleet", GOOD, GOOD, GOOD)
        services.scoring_model_revise(workspace=workspace, user=None, weight_usage=0.0)
        next_round(project, WEAK, WEAK, WEAK)
        row = selectors.portfolio_projects(workspace=workspace).get()
        assert row.change is None and row.model_changed
        assert "Scoring model changed" in viewer_client.get("/").content.decode()

    def test_projects_without_a_score_say_so(self, workspace, viewer_client) -> None:
        ProjectFactory(account__workspace=workspace, name="Pilot")
        assert "No score yet" in viewer_client.get("/").content.decode()


class TestFiltersAndSorting:
    @pytest.fixture
    def portfolio(self, workspace):
        chloe = UserFactory(username="chloe", first_name="Chloe")
        sam = UserFactory(username="sam", first_name="Sam")
        ready = scored_project(workspace, "Alpha", GOOD, GOOD, GOOD, owner=chloe)
        weak = scored_project(workspace, "Bravo", WEAK, WEAK, WEAK, owner=sam, status="planning")
        ProjectFactory(account__workspace=workspace, name="Charlie", status="planning")
        return {"chloe": chloe, "sam": sam, "ready": ready, "weak": weak}

    def test_default_sort_puts_the_lowest_score_first_and_unscored_last(
        self, portfolio, viewer_client
    ) -> None:
        assert rows(viewer_client) == ["Bravo", "Alpha", "Charlie"]
        assert rows(viewer_client, "?sort=-score") == ["Alpha", "Bravo", "Charlie"]
        assert rows(viewer_client, "?sort=-name") == ["Charlie", "Bravo", "Alpha"]

    @pytest.mark.parametrize(
        ("query", "said"),
        [
            ("", "Lowest scores first, so the projects at risk are on top."),
            ("?sort=-score", "Highest scores first. Projects without a score come last."),
            ("?sort=change", "Largest falls first."),
            ("?sort=-name", "By name, Z to A."),
            ("?sort=drop", "Lowest scores first"),  # an unknown sort: the default's
        ],
    )
    def test_the_page_says_how_it_is_ordered(
        self, portfolio, viewer_client, query: str, said: str
    ) -> None:
        assert said in viewer_client.get("/" + query).content.decode()

    def test_filters_by_band_owner_status_and_flag(self, portfolio, viewer_client) -> None:
        assert rows(viewer_client, "?band=ready") == ["Alpha"]
        assert rows(viewer_client, "?band=not_ready") == ["Bravo"]
        assert rows(viewer_client, "?band=none") == ["Charlie"]
        assert rows(viewer_client, f"?owner={portfolio['sam'].pk}") == ["Bravo"]
        assert rows(viewer_client, "?status=planning&sort=name") == ["Bravo", "Charlie"]
        assert rows(viewer_client, "?flag=low_confidence&sort=name") == ["Alpha", "Bravo"]
        assert rows(viewer_client, "?flag=leadership_gap") == []

    def test_sort_links_keep_the_filters_in_the_url(self, portfolio, viewer_client) -> None:
        page = html.unescape(viewer_client.get("/?status=planning&page=1").content.decode())
        assert 'href="?status=planning&sort=name"' in page
        assert 'aria-sort="ascending"' in page  # the default sort, score, is marked

    def test_bad_values_are_ignored_with_a_message(self, portfolio, viewer_client) -> None:
        page = viewer_client.get("/?band=great&owner=x&sort=drop&page=abc&flag=%3Cb%3E")
        assert page.status_code == 200
        text = html.unescape(page.content.decode())
        assert "“great” is not a known band, so it was ignored." in text
        assert "“drop” is not a known sort order, so it was ignored." in text
        assert "“<b>” is not a known flag" in text and "<b>”" not in page.content.decode()
        assert rows(viewer_client, "?band=great&page=999") == ["Bravo", "Alpha", "Charlie"]

    def test_paginates(self, workspace, viewer_client, settings, monkeypatch) -> None:
        monkeypatch.setattr("reports.views.PORTFOLIO_PAGE_SIZE", 2)
        for name in ("A", "B", "C", "D", "E"):
            ProjectFactory(account__workspace=workspace, name=name)
        assert rows(viewer_client, "?sort=name") == ["A", "B"]
        assert rows(viewer_client, "?sort=name&page=3") == ["E"]
        page = viewer_client.get("/?sort=name&page=2").content.decode()
        assert "Page 2 of 3" in page and 'href="?sort=name&amp;page=3"' in page

    def test_another_workspaces_projects_never_appear(
        self, workspace, other_workspace, viewer_client
    ) -> None:
        scored_project(other_workspace, "Secret", GOOD)
        assert rows(viewer_client) == []
        assert "Secret" not in viewer_client.get(reverse("reports:portfolio_csv")).content.decode()


class TestQueryCount:
    def test_does_not_grow_with_projects_or_snapshots(self, workspace, viewer_client) -> None:
        def measure() -> int:
            viewer_client.get("/")
            with CaptureQueriesContext(connection) as queries:
                assert viewer_client.get("/?sort=change&flag=low_confidence").status_code == 200
            return len(queries)

        scored_project(workspace, "First", GOOD, owner=UserFactory())
        small = measure()
        for number in range(8):
            project = scored_project(workspace, f"P{number}", GOOD, WEAK, owner=UserFactory())
            submitted_response(assessment=project.assessments.get(), values=GOOD)
            services.project_recalculate(project_id=project.pk)
        assert ScoreSnapshot.objects.count() == 17
        assert measure() == small


class TestCsv:
    def test_exports_the_filtered_portfolio_with_neutralized_text(
        self, workspace, csm_client
    ) -> None:
        scored_project(workspace, "=cmd|' /C calc'!A0", GOOD, GOOD, GOOD)
        ProjectFactory(account__workspace=workspace, name="Unscored")
        response = csm_client.get(reverse("reports:portfolio_csv") + "?band=ready")
        assert response["Content-Type"] == "text/csv"
        assert 'filename="portfolio.csv"' in response["Content-Disposition"]
        exported = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [row["Project"] for row in exported] == ["'=cmd|' /C calc'!A0"]
        assert exported[0]["Band"] == "Ready" and exported[0]["Flags"] == "Low confidence"
        assert float(exported[0]["Response rate (%)"]) == 100.0

    def test_a_negative_change_stays_a_number(self, workspace, csm_client) -> None:
        project = scored_project(workspace, "Fleet", GOOD, GOOD, GOOD)
        next_round(project, WEAK, WEAK, WEAK)
        exported = next(
            csv.DictReader(io.StringIO(csm_client.get("/portfolio.csv").content.decode()))
        )
        assert float(exported["Change"]) < 0

    def test_a_viewer_cannot_export(self, viewer_client) -> None:
        assert viewer_client.get(reverse("reports:portfolio_csv")).status_code == 403
