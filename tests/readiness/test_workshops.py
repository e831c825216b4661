"""Live workshops: starting and ending, joining on a phone, answering once, rate limits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import (
    WORKSHOP_CODE_ALPHABET,
    Invitation,
    Response,
    ResponseSource,
    ResponseStatus,
    Workshop,
)
from readiness.survey import devices
from tests.factories import AssessmentFactory, InvitationFactory, ProjectFactory
from workspaces.models import Role

AWARENESS = {"AW1": "4", "AW2": "3", "AW3": "5", "action": "next"}


@pytest.fixture
def open_assessment(workspace):
    project = ProjectFactory(account__workspace=workspace, product_name="Atlas")
    assessment = AssessmentFactory(project=project, opens_on=timezone.localdate(), closes_on=None)
    return services.assessment_open(assessment=assessment)


@pytest.fixture
def workshop(open_assessment):
    return services.workshop_start(assessment=open_assessment)


def join(client: Client, workshop: Workshop, role: str = "end_user", **extra: str):
    return client.post(reverse("workshop:join", args=[workshop.code]), {"role": role, **extra})


def answer_and_submit(client: Client, workshop: Workshop, role: str = "end_user"):
    """Join on a fresh phone, answer Awareness and submit; return the submit response."""
    joined = join(client, workshop, role)
    step_url = joined["Location"]
    token = step_url.split("/")[2]
    client.post(step_url, AWARENESS)
    return client.post(reverse("survey:submit", args=[token])), token


class TestStartAndEnd:
    def test_code_is_six_unambiguous_characters(self, workshop):
        assert len(workshop.code) == 6
        assert set(workshop.code) <= set(WORKSHOP_CODE_ALPHABET)
        assert not set("0O1lI") & set(WORKSHOP_CODE_ALPHABET)

    def test_a_draft_assessment_cannot_host_a_workshop(self, workspace):
        assessment = AssessmentFactory(project__account__workspace=workspace)
        with pytest.raises(ValidationError, match="Open the assessment"):
            services.workshop_start(assessment=assessment)

    def test_only_one_live_workshop_per_assessment(self, workshop):
        with pytest.raises(ValidationError, match="already running"):
            services.workshop_start(assessment=workshop.assessment)
        services.workshop_end(workshop=workshop)
        assert services.workshop_start(assessment=workshop.assessment).code != workshop.code

    def test_consultant_starts_from_the_assessment_page_and_lands_on_the_presenter(
        self, consultant_client, open_assessment
    ):
        response = consultant_client.post(
            reverse("readiness:workshop_start", args=[open_assessment.pk]),
            {"departments": "Finance\nSales\n\nfinance"},
        )
        workshop = Workshop.objects.get(assessment=open_assessment)
        assert response["Location"] == reverse("reports:workshop_presenter", args=[workshop.pk])
        assert workshop.departments == ["Finance", "Sales"]
        page = consultant_client.get(response["Location"]).content.decode()
        assert workshop.code in page
        assert "<svg" in page and "QR code to join the workshop" in page

    def test_a_department_list_with_a_nul_byte_gets_a_message(
        self, consultant_client, open_assessment
    ):
        response = consultant_client.post(
            reverse("readiness:workshop_start", args=[open_assessment.pk]),
            {"departments": "Fin\x00ance"},
            follow=True,
        )
        # The NUL guard in front of every view answers first, with its own clear page.
        assert response.status_code == 400
        assert "holds a NUL character" in response.content.decode()
        assert not Workshop.objects.exists()

    def test_a_viewer_cannot_start_or_end(self, viewer_client, open_assessment, workshop):
        start = reverse("readiness:workshop_start", args=[open_assessment.pk])
        assert viewer_client.post(start).status_code == 403
        end = reverse("readiness:workshop_end", args=[workshop.pk])
        assert viewer_client.post(end).status_code == 403
        assert (
            viewer_client.get(reverse("reports:workshop_presenter", args=[workshop.pk])).status_code
            == 403
        )

    def test_closing_the_assessment_ends_its_workshop(self, client, workshop):
        services.assessment_close(assessment=workshop.assessment)
        assert Workshop.objects.get(pk=workshop.pk).ended_at is not None
        assert join(client, workshop).status_code == 410

    def test_ending_twice_keeps_the_first_end(self, consultant_client, workshop):
        url = reverse("readiness:workshop_end", args=[workshop.pk])
        consultant_client.post(url)
        first = Workshop.objects.get(pk=workshop.pk).ended_at
        consultant_client.post(url)
        assert first is not None and Workshop.objects.get(pk=workshop.pk).ended_at == first


class TestJoin:
    def test_join_page_asks_for_the_role_only(self, client, workshop):
        page = client.get(reverse("workshop:join", args=[workshop.code])).content.decode()
        assert "Your role in this change" in page
        assert "department" not in page.lower().split("</form>")[0].split("<form")[1]

    def test_joining_creates_an_anonymous_participant_and_starts_the_survey(self, client, workshop):
        response = join(client, workshop, "manager")
        participant = Invitation.objects.get(workshop=workshop)
        assert (participant.name, participant.email, participant.role) == ("", "", "manager")
        assert response.status_code == 302 and response["Location"].endswith("/awareness/")
        assert devices.PREFIX + workshop.code in response.cookies
        assert client.get(response["Location"]).status_code == 200

    def test_code_is_read_whatever_the_case_and_spaces(self, client, workshop):
        typed = (
            reverse("workshop:enter")
            + "?code="
            + workshop.code.lower()[:3]
            + " "
            + workshop.code.lower()[3:]
        )
        response = client.get(typed)
        assert response["Location"] == reverse("workshop:join", args=[workshop.code])

    def test_department_is_asked_when_the_workshop_lists_some(self, client, open_assessment):
        workshop = services.workshop_start(assessment=open_assessment, departments=["Finance"])
        missing = join(client, workshop)
        assert missing.status_code == 400
        assert "Choose your department from the list." in missing.content.decode()
        assert join(client, workshop, department="Finance").status_code == 302
        assert Invitation.objects.get(workshop=workshop).department == "Finance"

    def test_a_missing_role_is_explained(self, client, workshop):
        response = client.post(reverse("workshop:join", args=[workshop.code]), {})
        assert response.status_code == 400
        assert "Choose the role that fits you best." in response.content.decode()
        assert not Invitation.objects.filter(workshop=workshop).exists()

    def test_unknown_code_answers_a_clear_page(self, client, db):
        response = client.get(reverse("workshop:join", args=["ZZZZZZ"]))
        assert response.status_code == 404
        assert "No workshop has the code ZZZZZZ" in response.content.decode()

    @pytest.mark.parametrize("code", ["AB%00CD", "%E2%80%AE" * 3, "A" * 300])
    def test_a_malformed_code_answers_the_unknown_page(self, client, db, code):
        response = client.get(f"/w/{code}/")
        assert response.status_code == 404
        assert "This is not a workshop code" in response.content.decode()

    def test_ended_workshop_answers_a_clear_page(self, client, workshop):
        services.workshop_end(workshop=workshop)
        for response in (
            client.get(reverse("workshop:join", args=[workshop.code])),
            join(client, workshop),
        ):
            assert response.status_code == 410
            assert "This workshop has ended" in response.content.decode()
        assert not Invitation.objects.filter(workshop=workshop).exists()

    def test_a_participant_who_joined_before_the_end_can_still_finish(self, client, workshop):
        joined = join(client, workshop)
        services.workshop_end(workshop=workshop)
        token = joined["Location"].split("/")[2]
        client.post(joined["Location"], AWARENESS)
        assert client.post(reverse("survey:submit", args=[token])).status_code == 302
        assert Response.objects.filter(status=ResponseStatus.SUBMITTED).count() == 1


class TestSubmitOnce:
    def test_workshop_answers_are_submitted_responses_with_source_workshop(self, client, workshop):
        submitted, _token = answer_and_submit(client, workshop)
        assert submitted.status_code == 302
        response = Response.objects.get(status=ResponseStatus.SUBMITTED)
        assert response.source == ResponseSource.WORKSHOP
        assert response.assessment_id == workshop.assessment_id

    def test_the_same_phone_goes_back_to_its_own_survey_instead_of_joining_again(
        self, client, workshop
    ):
        _submitted, token = answer_and_submit(client, workshop)
        again = client.get(reverse("workshop:join", args=[workshop.code]))
        assert again["Location"] == reverse("survey:welcome", args=[token])
        thanks = client.get(again["Location"]).content.decode()
        assert "Thank you" in thanks and "Look at the screen" in thanks
        second = client.post(reverse("survey:submit", args=[token]))
        assert second.status_code == 409
        assert Invitation.objects.filter(workshop=workshop).count() == 1
        assert Response.objects.filter(status=ResponseStatus.SUBMITTED).count() == 1

    def test_a_tampered_cookie_is_ignored(self, client, workshop):
        client.cookies[devices.PREFIX + workshop.code] = "made-up:value"
        page = client.get(reverse("workshop:join", args=[workshop.code]))
        assert page.status_code == 200 and "Your role in this change" in page.content.decode()

    def test_participants_count_as_invited_and_get_no_e_mails(
        self, client, workshop, consultant_client, mailoutbox
    ):
        InvitationFactory(assessment=workshop.assessment, role="sponsor")
        answer_and_submit(client, workshop)
        join(Client(), workshop)
        rates = consultant_client.get(
            reverse("readiness:assessment_detail", args=[workshop.assessment_id])
        ).content.decode()
        assert "1 of 3 submitted" in rates
        # The named invitations list one person; the workshop panel counts the participants.
        assert rates.count("Copy link<span") == 1
        sent = services.invitations_send(assessment_id=workshop.assessment_id)
        later = timezone.now() + timezone.timedelta(days=30)
        reminded = services.reminders_send(assessment_id=workshop.assessment_id, now=later)
        assert (sent, len(mailoutbox), reminded) == (1, 2, 1)
        assert all(message.to != [""] for message in mailoutbox)


class TestRateLimits:
    def test_guessing_codes_is_limited_per_address(self, client, workshop, settings):
        settings.WORKSHOP_UNKNOWN_CODE_LIMIT = 3
        for code in ("AAAAAA", "BBBBBB", "CCCCCC"):
            assert client.get(reverse("workshop:join", args=[code])).status_code == 404
        blocked = client.get(reverse("workshop:join", args=[workshop.code]))
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.content.decode()

    def test_joins_per_address_are_limited(self, workshop, settings):
        settings.WORKSHOP_JOIN_LIMIT = 2
        assert join(Client(), workshop).status_code == 302
        assert join(Client(), workshop).status_code == 302
        third = join(Client(), workshop)
        assert third.status_code == 429
        assert Invitation.objects.filter(workshop=workshop).count() == 2

    def test_a_phone_that_joined_is_never_blocked(self, workshop, settings):
        settings.WORKSHOP_UNKNOWN_CODE_LIMIT = 1
        settings.WORKSHOP_JOIN_LIMIT = 1
        settings.SURVEY_UNKNOWN_LINK_LIMIT = 1
        phone = Client()
        joined = join(phone, workshop)
        token = joined["Location"].split("/")[2]
        # A prankster on the same Wi-Fi (same address) exhausts every limit.
        prankster = Client()
        prankster.get(reverse("workshop:join", args=["ZZZZZZ"]))
        prankster.get(reverse("survey:welcome", args=["not-a-token"]))
        assert join(prankster, workshop).status_code == 429
        assert phone.get(reverse("workshop:join", args=[workshop.code])).status_code == 302
        assert phone.post(joined["Location"], AWARENESS).status_code == 302
        assert phone.post(reverse("survey:submit", args=[token])).status_code == 302


class TestPrompts:
    def test_admin_edits_prompts_and_the_defaults_show_until_then(self, admin_client_ws, workspace):
        url = reverse("readiness:workshop_prompts")
        page = admin_client_ws.get(url).content.decode()
        assert "What would make {product} worth it for you personally?" in page
        response = admin_client_ws.post(
            reverse("readiness:workshop_prompts_edit"),
            {"desire": "Why would you want this?\nWhat is in it for you?"},
        )
        assert response.status_code == 302
        from readiness import selectors

        prompts = selectors.workshop_prompts(workspace=workspace)
        assert prompts == {"desire": ["Why would you want this?", "What is in it for you?"]}

    def test_more_than_three_prompts_are_refused(self, admin_client_ws):
        response = admin_client_ws.post(
            reverse("readiness:workshop_prompts_edit"), {"ability": "a\nb\nc\nd"}
        )
        assert response.status_code == 400
        assert "Write at most 3 prompts, one a line." in response.content.decode()

    def test_a_consultant_reads_but_cannot_edit(self, client_for, workspace):
        consultant = client_for(workspace, Role.CONSULTANT)
        url = reverse("readiness:workshop_prompts")
        assert consultant.get(url).status_code == 200
        edit = reverse("readiness:workshop_prompts_edit")
        assert consultant.post(edit, {"desire": "x"}).status_code == 403
