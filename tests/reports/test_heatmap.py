"""The segment heatmap: hand-computed figures, hidden segments, two rounds, query counts."""

from __future__ import annotations

import dataclasses
import datetime
import html as html_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.models import Project
from reports import heatmap
from scoring import engine, services
from scoring.engine import Respondent, ScoreInput
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response


def person(department: str, value: int, nps: int, *, role: str = "end_user", **dims: int):
    likert = {d: (dims.get(d, value),) * 3 for d in (*engine.ADKAR, "leadership")}
    return Respondent(role, likert, nps, segments={"department": department})


class TestShaping:
    """Figures computed by hand from the respondents below; no database."""

    PEOPLE = (
        # Sales: Awareness 2, 2, 5 → 3.0 (on the line); Knowledge 4; NPS 10, 10, 0 → 33.3
        person("Sales", 4, 10, awareness=2),
        person("Sales", 4, 10, awareness=2),
        person("Sales", 4, 0, awareness=5),
        # Finance: everything 5, NPS 9 → sentiment 100; leadership 5 → 100
        person("Finance", 5, 9, role="sponsor"),
        person("Finance", 5, 9, role="sponsor"),
        person("Finance", 5, 9, role="manager"),
        person("Finance", 5, 9),
        # Legal: two people only → hidden; Sales, the smallest other, hidden with it
        person("Legal", 1, 0),
        person("Legal", 1, 0),
    )

    def map(self) -> heatmap.Heatmap:
        result = engine.calculate(ScoreInput(self.PEOPLE, 9, None, project_live=False))
        breakdown = result.as_dict()
        return heatmap.build(split="department", groups=breakdown["groups"], breakdown=breakdown)

    def test_a_small_department_and_the_one_that_would_reveal_it_are_hidden(self) -> None:
        rows = {row.key: row for row in self.map().rows}
        assert list(rows) == ["all", "Finance", "Legal", "Sales"]
        assert rows["Legal"].hidden_reason == "too_small"
        assert rows["Sales"].hidden_reason == "derivable"
        assert rows["Legal"].responses is None and rows["Legal"].cells == ()
        assert self.map().figures_hidden

    def test_the_shown_department_against_hand_computed_figures(self) -> None:
        finance = next(row for row in self.map().rows if row.key == "Finance")
        assert finance.responses == 4
        assert [cell.value for cell in finance.cells] == [5.0] * 5 + [100.0, 100.0]
        assert all(cell.below is False for cell in finance.cells)
        assert finance.barrier == "No barrier" and finance.barrier_share == 1.0

    def test_the_whole_group_row_with_its_barrier_line(self) -> None:
        everyone = self.map().rows[0]
        assert everyone.responses == 9
        # Awareness: (2+2+5+5·4+1+1)/9 = 31/9 = 3.444; Desire: (4·3+5·4+1·2)/9 = 34/9 = 3.778
        assert everyone.cells[0].value == pytest.approx(31 / 9)
        assert everyone.cells[1].value == pytest.approx(34 / 9)
        # NPS: 6 promoters (10, 10, 9×4), 3 detractors → 33.3 → sentiment 66.7
        assert everyone.cells[6].value == pytest.approx(200 / 3)
        # Barrier points: Sales' two at Awareness, Legal's two at Awareness; none for the rest.
        assert everyone.barrier == "No barrier" and everyone.barrier_share == pytest.approx(5 / 9)

    def test_a_mean_on_the_barrier_line_counts_as_below(self) -> None:
        people = self.PEOPLE[:3] + tuple(
            dataclasses.replace(p, segments={"department": "Ops"}) for p in self.PEOPLE[3:]
        )
        breakdown = engine.calculate(ScoreInput(people, 9, None, False)).as_dict()
        shaped = heatmap.build(split="department", groups=breakdown["groups"], breakdown=breakdown)
        sales = next(row for row in shaped.rows if row.key == "Sales")
        assert sales.cells[0].value == pytest.approx(3.0) and sales.cells[0].below
        assert sales.barrier == "Awareness" and sales.barrier_share == pytest.approx(2 / 3)
        # NPS 10, 10, 0: 2 promoters, 1 detractor → NPS 33.3 → sentiment 66.7, above 50.
        assert sales.cells[6].value == pytest.approx(200 / 3) and sales.cells[6].below is False

    def test_two_rounds_give_each_figure_its_change(self) -> None:
        before = engine.calculate(ScoreInput(self.PEOPLE, 9, None, False)).as_dict()
        later_people = tuple(
            dataclasses.replace(p, likert={**p.likert, "knowledge": (3, 3, 3)}) for p in self.PEOPLE
        )
        after = engine.calculate(ScoreInput(later_people, 9, None, False)).as_dict()
        shaped = heatmap.build(
            split="department",
            groups=after["groups"],
            breakdown=after,
            previous_groups=before["groups"],
            previous_breakdown=before,
        )
        finance = next(row for row in shaped.rows if row.key == "Finance")
        assert finance.cells[2].value == 3.0 and finance.cells[2].change == pytest.approx(-2.0)
        assert finance.cells[0].change == pytest.approx(0.0)
        assert shaped.compared

    def test_splits_list_role_then_department_then_attributes(self) -> None:
        breakdown = {"segments": {"attribute:team": {}, "department": {}}}
        assert heatmap.splits(breakdown) == [
            ("role", "Role"),
            ("department", "Department"),
            ("attribute:team", "Team"),
        ]


# --- The page -----------------------------------------------------------------------------

GOOD = answers(aw=(5, 4, 5), de=(4, 4, 4), kn=(4, 4, 4), ab=(4, 4, 4), re=(4, 4, 4), nps=9)
WEAK = answers(aw=(2, 2, 2), de=(2, 3, 2), kn=(2, 2, 2), ab=(3, 3, 3), re=(3, 3, 3), nps=4)


def departments_project(workspace, people: dict[str, tuple[int, dict]], **fields) -> Project:
    """Return a project whose round has `count` responses per department, scored."""
    project = fields.pop("project", None) or ProjectFactory(
        account__workspace=workspace, name="Heat"
    )
    assessment = AssessmentFactory(project=project, **fields)
    for department, (count, values) in people.items():
        for _ in range(count):
            response = submitted_response(assessment=assessment, values=values)
            response.invitation.department = department
            response.invitation.save()
    services.project_recalculate(project_id=project.pk)
    return project


def page(client, project: Project, query: str = "") -> str:
    response = client.get(reverse("reports:project_heatmap", args=[project.pk]) + query)
    assert response.status_code == 200
    return html_module.unescape(response.content.decode())


@pytest.mark.django_db
class TestPage:
    def test_departments_on_one_screen_with_one_hidden(self, workspace, viewer_client) -> None:
        project = departments_project(
            workspace, {"Sales": (4, GOOD), "Support": (5, WEAK), "Legal": (2, GOOD)}
        )
        # 11 submitted: the figures show the first 9 (Sales 4, Support 5; Legal's 2 wait).
        html = page(viewer_client, project)
        assert "Department × readiness" in html
        assert 'data-segment="Sales"' in html and 'data-segment="Support"' in html
        assert "Some figures are hidden to protect anonymity" not in html
        # Support's Awareness 2.0 is below the line: marked without colour too.
        assert '2.0 <span aria-hidden="true">▼</span>' in html
        assert "(at or below the line)" in html

    def test_a_small_department_is_hidden_with_the_one_that_would_reveal_it(
        self, workspace, viewer_client
    ) -> None:
        project = departments_project(
            workspace, {"Sales": (4, GOOD), "Support": (6, WEAK), "Legal": (2, GOOD)}
        )
        html = page(viewer_client, project)
        assert "Hidden: fewer than 3 responses" in html
        assert "this segment's would reveal a smaller one's" in html
        assert "Some figures are hidden to protect anonymity" in html

    def test_two_rounds_compared(self, workspace, viewer_client) -> None:
        project = departments_project(
            workspace,
            {"Sales": (3, WEAK), "Support": (3, WEAK)},
            name="Baseline",
            opens_on=datetime.date(2026, 1, 5),
        )
        departments_project(
            workspace,
            {"Sales": (3, GOOD), "Support": (3, WEAK)},
            project=project,
            name="Pre go-live",
            opens_on=datetime.date(2026, 4, 6),
        )
        baseline = project.assessments.get(name="Baseline")
        html = page(viewer_client, project, f"?compare={baseline.pk}")
        assert "with the change since Baseline" in html
        # Sales Awareness: 2.0 → 4.667: +2.7; Support unchanged: ±0.0.
        assert "change </span>+2.7" in html and "change </span>±0.0" in html

    def test_role_is_a_split_too(self, workspace, viewer_client) -> None:
        project = departments_project(workspace, {"Sales": (3, GOOD)})
        html = page(viewer_client, project, "?split=role")
        assert "Role × readiness" in html and 'data-segment="end_users"' in html

    @pytest.mark.parametrize(
        "query", ["?split=" + "x" * 500, "?compare=abc", "?compare=9" * 30, "?x=1"]
    )
    def test_odd_input_shows_the_default(self, workspace, viewer_client, query) -> None:
        project = departments_project(workspace, {"Sales": (3, GOOD)})
        assert "Department × readiness" in page(viewer_client, project, query)

    def test_no_round_yet_says_so(self, workspace, viewer_client) -> None:
        project = ProjectFactory(account__workspace=workspace)
        assert "No round has enough responses" in page(viewer_client, project)

    def test_the_report_links_to_it(self, workspace, viewer_client) -> None:
        project = departments_project(workspace, {"Sales": (3, GOOD)})
        response = viewer_client.get(reverse("reports:project_report", args=[project.pk]))
        assert reverse("reports:project_heatmap", args=[project.pk]) in response.content.decode()

    def test_query_count_does_not_grow_with_rounds_departments_or_respondents(
        self, workspace, viewer_client
    ) -> None:
        small = departments_project(workspace, {"Sales": (3, GOOD)})
        big = ProjectFactory(account__workspace=workspace, name="Big")
        for index in range(4):
            departments_project(
                workspace,
                {f"Dept {n}": (3 + n % 2, GOOD if n % 2 else WEAK) for n in range(8)},
                project=big,
                name=f"Round {index}",
                opens_on=datetime.date(2026, 1 + index, 1),
            )
        first = big.assessments.order_by("opens_on").first()

        def count(project: Project, query: str = "") -> int:
            with CaptureQueriesContext(connection) as queries:
                page(viewer_client, project, query)
            return len(queries)

        page(viewer_client, small)  # the session's first page loads what it keeps after
        assert count(big, f"?compare={first.pk}") == count(small) == count(big)
