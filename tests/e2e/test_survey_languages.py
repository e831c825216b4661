"""The survey in every language: a German respondent on a phone with the keyboard alone, the
Likert layout on desktop and phone, and axe-core on every page in every language."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from readiness import services
from readiness.models import Response, ResponseStatus
from readiness.survey import tokens
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_survey_flow import PHONE, new_context, tab_to
from tests.factories import AssessmentFactory, InvitationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
SECTIONS = ("awareness", "desire", "knowledge", "ability", "reinforcement", "leadership")


def survey_link(live_server, language: str, name: str = "Jonas Weber") -> str:
    today = timezone.localdate()
    assessment = AssessmentFactory(
        opens_on=today,
        closes_on=today + datetime.timedelta(days=7),
        project__product_name="Atlas",
    )
    services.assessment_open(assessment=assessment)
    invitation = InvitationFactory(assessment=assessment, name=name, language=language)
    return f"{live_server.url}/s/{tokens.token_for_salt(invitation.token_salt)}/"


def focused(page, selector: str) -> bool:
    return page.evaluate(f"document.activeElement.matches({selector!r})")


def test_a_german_respondent_completes_the_survey_on_a_phone_with_the_keyboard_alone(
    browser, axe_source, live_server
) -> None:
    url = survey_link(live_server, "de")
    phone = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(url)
    assert page.get_attribute("html", "lang") == "de"
    # A confidential survey greets nobody by name and states its promise, in German.
    assert "Willkommen" in page.content() and "Jonas Weber" not in page.content()
    assert "Ihre Antworten sind vertraulich." in page.content()
    assert_accessible(page, axe_source, PHONE["width"])

    tab_to(page, "a.btn-primary")
    page.keyboard.press("Enter")
    for number, section in enumerate(SECTIONS, start=1):
        page.wait_for_url(f"**/{section}/")
        assert f"Schritt {number} von 8" in page.content()
        assert_accessible(page, axe_source, PHONE["width"])
        codes = page.eval_on_selector_all(
            "fieldset input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
        )
        for code in codes:
            # Tab into the group, Space picks the first option, arrows move to "Stimme zu".
            tab_to(page, f"input[name='{code}']")
            page.keyboard.press("Space")
            for _ in range(3):
                page.keyboard.press("ArrowDown")
            assert focused(page, f"input[name='{code}'][value='4']")
        # Enter on the chosen option sends the step forward ("Speichern und weiter").
        page.keyboard.press("Enter")

    page.wait_for_url("**/sentiment/")
    assert_accessible(page, axe_source, PHONE["width"])
    tab_to(page, "input[name='NPS']")
    page.keyboard.press("Space")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    tab_to(page, "textarea[name='CON']")
    page.keyboard.type("Schulungszeit in der Hochsaison.")
    tab_to(page, "button[value='next']")
    assert page.evaluate("document.activeElement.textContent").strip() == "Speichern und weiter"
    page.keyboard.press("Enter")

    page.wait_for_url("**/review/")
    assert_accessible(page, axe_source, PHONE["width"])
    assert "Stimme zu" in page.content() and "Schulungszeit in der Hochsaison." in page.content()
    tab_to(page, "button[type='submit']")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Vielen Dank, Jonas Weber").wait_for()
    assert_accessible(page, axe_source, PHONE["width"])
    phone.close()

    response = Response.objects.get(status=ResponseStatus.SUBMITTED)
    assert response.answers.count() == 20
    assert set(
        response.answers.exclude(item__kind="text")
        .exclude(item__code="NPS")
        .values_list("value", flat=True)
    ) == {4}
    assert response.answers.get(item__code="NPS").value == 9


def test_going_back_by_keyboard_keeps_the_answers(browser, live_server) -> None:
    url = survey_link(live_server, "fr", name="Camille Martin")
    context = new_context(browser, viewport=PHONE)
    page = context.new_page()
    page.goto(url + "awareness/")
    tab_to(page, "input[name='AW1']")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desire/")
    tab_to(page, "button[value='back']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/awareness/")
    assert page.locator("input[name='AW1']:checked").get_attribute("value") == "1"
    context.close()


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_likert_options_sit_on_one_row_of_equal_width_on_desktop_and_stack_on_a_phone(
    browser, axe_source, live_server, language
) -> None:
    url = survey_link(live_server, language)
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(url + "awareness/")
    assert page.get_attribute("html", "lang") == language
    assert_accessible(page, axe_source, DESKTOP["width"])
    boxes = [
        label.bounding_box()
        for label in page.locator("fieldset:has(input[name='AW1']) label.btn").all()
    ]
    assert len(boxes) == 6
    assert len({round(box["y"]) for box in boxes}) == 1, "the options wrap onto several rows"
    assert max(box["width"] for box in boxes) - min(box["width"] for box in boxes) < 1
    assert len({round(box["height"]) for box in boxes}) == 1

    page.set_viewport_size(PHONE)
    page.reload()
    boxes = [
        label.bounding_box()
        for label in page.locator("fieldset:has(input[name='AW1']) label.btn").all()
    ]
    assert len({round(box["x"]) for box in boxes}) == 1, "the options should stack on a phone"
    assert len({round(box["width"]) for box in boxes}) == 1
    assert_accessible(page, axe_source, PHONE["width"])
    for path in ("", "sentiment/", "review/"):
        page.goto(url + path)
        assert page.get_attribute("html", "lang") == language
        assert_accessible(page, axe_source, PHONE["width"])
    context.close()
