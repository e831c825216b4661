"""A live workshop in the browser: a presenter on a projector, three phones joining and
answering; the room's figures appear only after the third submission."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from readiness import services
from readiness.models import Response, ResponseSource, ResponseStatus
from tests.e2e.conftest import assert_accessible
from tests.factories import AssessmentFactory, MembershipFactory, ProjectFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def live_workshop(live_server) -> dict:
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    consultant = get_user_model().objects.create_user("cora")
    MembershipFactory(user=consultant, workspace=workspace, role=Role.CONSULTANT)
    project = ProjectFactory(account__workspace=workspace, product_name="Atlas")
    assessment = services.assessment_open(
        assessment=AssessmentFactory(project=project, opens_on=timezone.localdate(), closes_on=None)
    )
    workshop = services.workshop_start(assessment=assessment, departments=["Finance", "Sales"])
    client = Client()
    client.force_login(consultant)
    return {
        "workshop": workshop,
        "cookie": {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        },
        "presenter": f"{live_server.url}/workshops/{workshop.pk}/",
        "join": f"{live_server.url}/w/{workshop.code}/",
    }


def new_context(browser, **options: object):
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus, as a keyboard-only user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def participant_answers(browser, axe_source: str, url: str, role: str, check: bool) -> None:
    """Join on a phone, answer the Awareness step as a barrier, skip the rest and submit."""
    phone = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(url)
    if check:
        assert_accessible(page, axe_source, PHONE["width"])
    if check:  # keyboard only: the role with the arrow keys, the department, Enter
        assert role == "End user"
        tab_to(page, "input[name='role']")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        assert page.locator("input[name='role']:checked").get_attribute("value") == "end_user"
        tab_to(page, "select[name='department']")
        page.keyboard.press("ArrowDown")
        assert page.locator("select[name='department']").input_value() == "Finance"
        tab_to(page, "button[type='submit']")
        page.keyboard.press("Enter")
    else:
        page.get_by_label(role, exact=True).check()
        page.get_by_label("Your department").select_option("Finance")
        page.get_by_role("button", name="Start the survey").click()
    page.wait_for_url("**/awareness/")
    if check:
        assert_accessible(page, axe_source, PHONE["width"])
    for code in ("AW1", "AW2", "AW3"):
        page.locator(f"fieldset:has(input[name='{code}'])").get_by_text(
            "Disagree", exact=True
        ).click()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/desire/")
    while "/review/" not in page.url:
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state("load")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    if check:
        assert_accessible(page, axe_source, PHONE["width"])
    # The same phone scanning the code again lands on its thanks page, not a second survey.
    page.goto(url)
    assert "Thank you" in page.content()
    phone.close()


def test_figures_appear_only_after_the_third_submission(browser, axe_source, live_workshop) -> None:
    projector = new_context(browser, viewport=PROJECTOR, color_scheme="dark")
    projector.add_cookies([live_workshop["cookie"]])
    presenter = projector.new_page()
    errors: list[str] = []
    presenter.on("pageerror", lambda error: errors.append(str(error)))
    presenter.goto(live_workshop["presenter"])
    assert presenter.evaluate("document.documentElement.dataset.bsTheme") == "dark"
    assert live_workshop["workshop"].code in presenter.content()
    assert presenter.locator("svg.workshop-qr").is_visible()
    assert_accessible(presenter, axe_source, PROJECTOR["width"])
    profile = presenter.locator('[data-group="all"] [data-element="awareness"]')

    for number, role in enumerate(("End user", "Manager", "End user"), start=1):
        participant_answers(browser, axe_source, live_workshop["join"], role, check=number == 1)
        presenter.locator('[data-count="submitted"]', has_text=str(number)).wait_for()
        if number < 3:
            assert profile.count() == 0, f"figures shown after {number} submissions"
    profile.wait_for()
    assert profile.inner_text().startswith("2.0")
    assert presenter.locator('[data-point="awareness"]').inner_text() == "100.0 %"
    assert "Let's talk about Awareness" in presenter.content()
    # One manager and two end users: both groups stay under the minimum, hidden.
    assert presenter.locator('[data-group="leadership"] [data-hidden="too_few"]').count() == 1
    assert presenter.locator('[data-group="end_users"] [data-hidden="too_few"]').count() == 1
    assert_accessible(presenter, axe_source, PROJECTOR["width"])

    # The light theme by the toggle, and a laptop screen.
    presenter.get_by_role("button", name="Dark theme").click()
    assert presenter.evaluate("document.documentElement.dataset.bsTheme") == "light"
    assert_accessible(presenter, axe_source, PROJECTOR["width"])
    presenter.set_viewport_size(LAPTOP)
    assert_accessible(presenter, axe_source, LAPTOP["width"])
    assert errors == []
    projector.close()

    submitted = Response.objects.filter(status=ResponseStatus.SUBMITTED)
    assert [r.source for r in submitted] == [ResponseSource.WORKSHOP] * 3


def test_unknown_and_ended_codes_have_clear_accessible_pages(
    browser, axe_source, live_workshop, live_server
) -> None:
    context = new_context(browser, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/w/")
    assert_accessible(page, axe_source, PHONE["width"])
    page.get_by_label("Workshop code").fill("zzz zzz")
    page.get_by_role("button", name="Join").click()
    assert "No workshop has the code ZZZZZZ" in page.content()
    assert_accessible(page, axe_source, PHONE["width"])
    services.workshop_end(workshop=live_workshop["workshop"])
    page.goto(live_workshop["join"])
    assert "This workshop has ended" in page.content()
    assert_accessible(page, axe_source, PHONE["width"])
    context.close()
