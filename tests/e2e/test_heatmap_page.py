"""The segment heatmap in a real browser: two rounds compared, one hidden department, axe-core."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.e2e.conftest import assert_accessible
from tests.factories import AccountFactory, MembershipFactory, ProjectFactory, WorkspaceFactory
from tests.reports.test_heatmap import GOOD, WEAK, departments_project
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 360, "height": 740}],
    ids=["desktop", "phone"],
)
def test_the_heatmap_compares_rounds_and_passes_axe(
    browser, axe_source, live_server, viewport
) -> None:
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    csm = get_user_model().objects.create_user("chloe", first_name="Chloe", last_name="Success")
    MembershipFactory(user=csm, workspace=workspace, role=Role.CSM)
    project = ProjectFactory(
        account=AccountFactory(workspace=workspace, name="Acme Logistics"), name="Fleet"
    )
    departments_project(
        workspace,
        {"Sales": (3, WEAK), "Support": (3, WEAK)},
        project=project,
        name="Baseline",
        opens_on=datetime.date(2026, 1, 5),
    )
    departments_project(
        workspace,
        {"Sales": (4, GOOD), "Support": (6, WEAK), "Legal": (2, GOOD)},
        project=project,
        name="Pre go-live",
        opens_on=datetime.date(2026, 4, 6),
    )
    client = Client()
    client.force_login(csm)
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server.url}/projects/{project.pk}/heatmap/")
    page.get_by_label("Compare with").select_option(label="Baseline")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "with the change since Baseline" in page.content()
    sales = page.locator('tr[data-segment="Sales"]')
    assert "hidden" in sales.inner_text()  # Legal (2) is too small; Sales would reveal it
    assert page.locator('tr[data-segment="Support"] td.heat-below').count() >= 3
    assert_accessible(page, axe_source, viewport["width"])
    assert errors == []
    context.close()
