"""The portfolio and the readiness report in a real browser: charts, phone layout and axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from scoring import engine, services
from tests.e2e.conftest import assert_accessible
from tests.factories import (
    AccountFactory,
    AssessmentFactory,
    MembershipFactory,
    ProjectFactory,
    WorkspaceFactory,
    submitted_response,
)
from tests.worked_example import WORKED_RESPONSES
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def signed_in(live_server, monkeypatch) -> dict:
    """Return the session cookie of a CSM and the URLs of a scored project's pages."""
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    csm = get_user_model().objects.create_user("chloe", first_name="Chloe", last_name="Success")
    MembershipFactory(user=csm, workspace=workspace, role=Role.CSM)
    project = ProjectFactory(
        account=AccountFactory(workspace=workspace, name="Acme Logistics", owner=csm),
        name="Fleet planning rollout",
        status="live",
    )
    assessment = AssessmentFactory(project=project)
    concerns = ("Training comes too late", "", "Another tool to learn")
    for (role, values), concern in zip(WORKED_RESPONSES, concerns, strict=True):
        submitted_response(assessment=assessment, role=role, values=values, concern=concern)
    usage = engine.UsageFigures(active_users=60, licensed_seats=100, features_used=3,
                                features_tracked=4, stickiness=0.42)  # fmt: skip
    monkeypatch.setattr(
        "scoring.evidence.usage_figures_for_projects",
        lambda project_ids: {project.pk: usage} if project.pk in project_ids else {},
    )
    services.project_recalculate(project_id=project.pk)
    ProjectFactory(account__workspace=workspace, account__owner=csm, name="Store pilot")
    client = Client()
    client.force_login(csm)
    return {
        "cookie": {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        },
        "portfolio": f"{live_server.url}/",
        "report": f"{live_server.url}/projects/{project.pk}/report/",
    }


def open_page(browser, signed_in: dict, url: str, viewport: dict):
    """Open `url` signed in; return the page and the list its console errors land in."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    context.add_cookies([signed_in["cookie"]])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(url)
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    return page, errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_report_draws_its_charts_and_passes_axe(
    browser, axe_source, signed_in, viewport, tmp_path: Path
) -> None:
    page, errors = open_page(browser, signed_in, signed_in["report"], viewport)
    assert page.get_by_test_id("report-score").inner_text().startswith("61.0")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => Chart.getChart(c)).map(c => c.dataset.chart)"
    )
    assert {"adkar", "barriers", "nps", "history"} <= set(drawn)
    # The ADKAR chart shows only the group that is not suppressed.
    labels = page.evaluate("() => Chart.getChart('chart-adkar').data.datasets.map(d => d.label)")
    assert labels == ["All respondents"]
    page.get_by_text("ADKAR profile as a table").click()
    assert page.get_by_role("cell", name="Suppressed: fewer than 3 responses").first.is_visible()
    shot = tmp_path / f"report-{viewport['width']}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    assert_accessible(page, axe_source, viewport["width"])
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_portfolio_filters_and_passes_axe(
    browser, axe_source, signed_in, viewport, tmp_path: Path
) -> None:
    page, errors = open_page(browser, signed_in, signed_in["portfolio"], viewport)
    table = page.locator("table.portfolio-table tbody")
    assert table.get_by_role("link", name="Fleet planning rollout").is_visible()
    assert "61.0" in table.inner_text() and "At risk" in table.inner_text()
    page.get_by_label("Band").select_option("at_risk")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**band=at_risk**")
    assert table.get_by_role("link").filter(has_text="Store pilot").count() == 0
    shot = tmp_path / f"portfolio-{viewport['width']}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 5_000
    assert_accessible(page, axe_source, viewport["width"])
    table.get_by_role("link", name="Fleet planning rollout").click()
    page.wait_for_url("**/report/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Readiness report")
    assert errors == []
    page.context.close()
