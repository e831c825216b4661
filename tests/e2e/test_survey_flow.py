"""The respondent's whole survey on a phone, by keyboard and touch, with axe-core on every page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from readiness import services
from readiness.models import Assessment, Response, ResponseStatus
from readiness.survey import tokens
from tests.e2e.conftest import assert_accessible
from tests.factories import AssessmentFactory, InvitationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def new_context(browser, **options: object):
    """Open a browser context that fails in seconds, not 30, when a page does not appear."""
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


def choose(page, code: str, label: str) -> None:
    page.locator(f"fieldset:has(input[name='{code}'])").get_by_text(label, exact=True).click()


@pytest.fixture
def survey_url(live_server) -> str:
    today = timezone.localdate()
    assessment = AssessmentFactory(opens_on=today, closes_on=today + datetime.timedelta(days=7))
    services.assessment_open(assessment=assessment)
    invitation = InvitationFactory(assessment=assessment, name="Ada Lovelace")
    token = tokens.token_for_salt(invitation.token_salt)
    return f"{live_server.url}/s/{token}/"


def test_respondent_answers_leaves_halfway_resumes_elsewhere_and_submits(
    browser, axe_source, survey_url, live_server
) -> None:
    phone = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(survey_url)
    assert "Hello Ada Lovelace" in page.content()
    assert_accessible(page, axe_source, PHONE["width"])

    # Keyboard only: start, answer the Awareness step with arrow keys, save with Enter.
    tab_to(page, "a.btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/awareness/")
    assert_accessible(page, axe_source, PHONE["width"])
    for code in ("AW1", "AW2", "AW3"):
        tab_to(page, f"input[name='{code}']")
        page.keyboard.press("Space")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
    assert page.locator("input[name='AW1']:checked").get_attribute("value") == "4"
    tab_to(page, "button[value='next']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desire/")
    assert_accessible(page, axe_source, PHONE["width"])

    # Touch: Desire, then part of Knowledge, then leave halfway.
    for code in ("DE1", "DE2", "DE3"):
        choose(page, code, "Agree")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/knowledge/")
    choose(page, "KN1", "Don't know")
    page.get_by_role("button", name="Save and finish later").click()
    page.get_by_role("heading", name="Your answers are saved").wait_for()
    assert_accessible(page, axe_source, PHONE["width"])
    phone.close()

    # Another device: the same link resumes at Knowledge with the saved answer.
    laptop = new_context(browser, viewport=PHONE)
    page = laptop.new_page()
    page.goto(survey_url)
    page.get_by_role("link", name="Continue where you left off").click()
    page.wait_for_url("**/knowledge/")
    assert page.locator("input[name='KN1']:checked").get_attribute("value") == "dont_know"
    assert_accessible(page, axe_source, PHONE["width"])
    for section, codes in (
        ("knowledge", ("KN2", "KN3")),
        ("ability", ("AB1", "AB2", "AB3")),
        ("reinforcement", ("RE1", "RE2", "RE3")),
        ("leadership", ("LS1", "LS2", "LS3")),
    ):
        page.wait_for_url(f"**/{section}/")
        if section != "knowledge":
            assert_accessible(page, axe_source, PHONE["width"])
        for code in codes:
            choose(page, code, "Strongly agree")
        page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/sentiment/")
    assert_accessible(page, axe_source, PHONE["width"])
    choose(page, "NPS", "9")
    page.get_by_label("What is your biggest concern").fill("Training during peak season.")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/review/")
    assert_accessible(page, axe_source, PHONE["width"])
    assert "Don't know" in page.content() and "Training during peak season." in page.content()

    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you, Ada Lovelace").wait_for()
    assert_accessible(page, axe_source, PHONE["width"])
    response = Response.objects.get(status=ResponseStatus.SUBMITTED)
    assert response.answers.count() == 20
    assert response.answers.get(item__code="AW1").value == 4

    # The link now only thanks; a stale tab cannot change anything.
    page.goto(survey_url + "ability/")
    assert "Thank you" in page.content()
    laptop.close()


def test_unknown_and_closed_links_have_clear_accessible_pages(
    browser, axe_source, survey_url
) -> None:
    context = new_context(browser, viewport=PHONE)
    page = context.new_page()
    page.goto(survey_url.rsplit("/", 2)[0] + "/not-a-real-token/")
    assert "This survey link is not valid" in page.content()
    assert_accessible(page, axe_source, PHONE["width"])
    for assessment in Assessment.objects.all():
        services.assessment_close(assessment=assessment)
    page.goto(survey_url)
    assert "This survey is closed" in page.content()
    assert_accessible(page, axe_source, PHONE["width"])
    context.close()
