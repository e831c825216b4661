"""The respondent's survey pages, the consultant's assessment page, and token hygiene."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.settings import base as base_settings
from readiness import services
from readiness.models import Assessment, Invitation, Response, ResponseStatus
from readiness.survey import tokens
from readiness.survey.log_filters import RedactSurveyTokens, redact
from tests.factories import AssessmentFactory
from tests.readiness.test_assessments import TODAY, invite, open_assessment
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def link(invitation: Invitation, *parts: str) -> str:
    token = tokens.token_for_salt(invitation.token_salt)
    return "/s/" + "/".join([token, *parts]) + "/"


@pytest.fixture
def invitation(workspace) -> Invitation:
    assessment = open_assessment(project__account__workspace=workspace)
    return invite(assessment, name="Ada Lovelace")


class TestSurveyPages:
    def test_welcome_names_the_customer_and_product_and_marks_opened(self, client, invitation):
        page = client.get(link(invitation))
        project = invitation.assessment.project
        assert page.status_code == 200
        assert project.account.name in page.content.decode()
        assert project.product_name in page.content.decode()
        invitation.refresh_from_db()
        assert invitation.opened_at is not None

    def test_a_step_renders_radio_groups_with_dont_know(self, client, invitation):
        page = client.get(link(invitation, "awareness")).content.decode()
        assert page.count("<fieldset") == 3 and page.count("<legend") == 3
        assert page.count('type="radio" name="AW1"') == 6 and "Don&#x27;t know" in page
        assert "Step 1 of 8" in page

    def test_answers_are_saved_at_each_step_and_resumed_on_another_device(self, client, invitation):
        response = client.post(
            link(invitation, "awareness"), {"AW1": "4", "AW2": "dont_know", "action": "next"}
        )
        assert response.status_code == 302 and response["Location"].endswith("/desire/")
        other_device = Client()
        welcome = other_device.get(link(invitation)).content.decode()
        assert "Continue where you left off" in welcome and "/desire/" in welcome
        page = other_device.get(link(invitation, "awareness")).content.decode()
        assert 'value="4" checked' in page and 'value="dont_know" checked' in page

    def test_an_out_of_range_answer_is_refused_with_a_message(self, client, invitation):
        response = client.post(link(invitation, "sentiment"), {"NPS": "12", "action": "next"})
        assert response.status_code == 400
        assert "12 is out of range: use 0–10." in response.content.decode()
        assert not Response.objects.exists()

    def test_review_then_submit_once_shows_thanks(self, client, invitation):
        client.post(link(invitation, "awareness"), {"AW1": "5", "action": "next"})
        review = client.get(link(invitation, "review")).content.decode()
        assert "Strongly agree" in review and "cannot be changed" in review
        response = client.post(link(invitation, "submit"))
        assert response.status_code == 302
        assert "Thank you, Ada Lovelace" in client.get(link(invitation)).content.decode()

    def test_double_submission_stores_one_response_with_a_clear_message(self, client, invitation):
        client.post(link(invitation, "awareness"), {"AW1": "5", "action": "next"})
        client.post(link(invitation, "submit"))
        second = client.post(link(invitation, "submit"))
        assert second.status_code == 409
        assert "this second submission was not stored" in second.content.decode()
        assert Response.objects.filter(invitation=invitation).count() == 1
        assert Response.objects.get().status == ResponseStatus.SUBMITTED

    def test_a_submitted_response_cannot_be_changed_from_the_link(self, client, invitation):
        client.post(link(invitation, "awareness"), {"AW1": "5", "action": "next"})
        client.post(link(invitation, "submit"))
        client.post(link(invitation, "awareness"), {"AW1": "1", "action": "next"})
        assert Response.objects.get().answers.get(item__code="AW1").value == 5

    def test_a_closed_survey_says_so(self, client, invitation):
        services.assessment_close(assessment=invitation.assessment)
        page = client.get(link(invitation)).content.decode()
        assert "This survey is closed" in page
        closed_at = timezone.localtime(Assessment.objects.get().closed_at)
        # The day it was actually closed, not the planned closing date.
        assert f"it closed on {closed_at.day} {closed_at:%B %Y}" in page
        client.post(link(invitation, "awareness"), {"AW1": "5", "action": "next"})
        assert not Response.objects.exists()

    def test_a_survey_not_open_yet_says_so(self, client, workspace):
        draft = invite(AssessmentFactory(project__account__workspace=workspace))
        assert "This survey is not open yet" in client.get(link(draft)).content.decode()
        later = invite(open_assessment(opens_on=TODAY + datetime.timedelta(days=3)))
        assert "This survey is not open yet" in client.get(link(later)).content.decode()

    @pytest.mark.parametrize("change", ["tampered", "truncated", "unknown"])
    def test_a_bad_token_gets_the_unknown_link_page(self, client, invitation, change):
        token = tokens.token_for_salt(invitation.token_salt)
        bad = {
            "tampered": ("A" if token[0] != "A" else "B") + token[1:],
            "truncated": token[:-4],
            "unknown": "x" * 43,
        }[change]
        response = client.get(f"/s/{bad}/awareness/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "This survey link is not valid" in page
        assert invitation.assessment.project.account.name not in page

    def test_too_many_unknown_links_are_rate_limited(self, client, invitation, settings):
        settings.SURVEY_UNKNOWN_LINK_LIMIT = 3
        for attempt in range(3):
            assert client.get(f"/s/guess{attempt}/").status_code == 404
        blocked = client.get(link(invitation))
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.content.decode()
        assert Client(REMOTE_ADDR="10.0.0.9").get(link(invitation)).status_code == 200

    def test_survey_pages_keep_the_token_out_of_referrers_and_caches(self, client, invitation):
        response = client.get(link(invitation))
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]


class TestTokenLogging:
    def test_request_log_lines_never_carry_the_token(self, invitation):
        token = tokens.token_for_salt(invitation.token_salt)
        record = logging.LogRecord(
            "django.server",
            logging.INFO,
            __file__,
            1,
            '"%s" %s %s',
            (f"GET /s/{token}/awareness/ HTTP/1.1", "200", "512"),
            None,
        )
        assert RedactSurveyTokens().filter(record)
        assert token not in record.getMessage()
        assert '"GET /s/[redacted]/awareness/ HTTP/1.1" 200 512' == record.getMessage()

    def test_every_configured_handler_redacts(self):
        for name, handler in base_settings.LOGGING["handlers"].items():
            assert "redact_survey_tokens" in handler.get("filters", []), name

    def test_not_found_warnings_are_redacted(self, client, caplog):
        handler_filter = RedactSurveyTokens()
        with caplog.at_level(logging.WARNING, logger="django.request"):
            client.get("/s/secret-token-value/")
        for record in caplog.records:
            handler_filter.filter(record)
            assert "secret-token-value" not in record.getMessage()
        assert redact("Not Found: /s/abc/x/") == "Not Found: /s/[redacted]/x/"


class TestAssessmentPage:
    def test_shows_statuses_rates_per_segment_and_concerns(self, consultant_client, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        lead = invite(assessment, role="sponsor", name="Sam Sponsor")
        invite(assessment, role="end_user", name="Eve User")
        invite(assessment, role="end_user", name="Ed User")
        services.response_save_draft(invitation=lead, answers={"CON": "Budget cuts"}, step=7)
        services.response_submit(invitation=lead)
        page = consultant_client.get(reverse("readiness:assessment_detail", args=[assessment.pk]))
        html = page.content.decode()
        assert 'data-rate="all">33.3 %' in html
        assert 'data-rate="leadership">100.0 %' in html
        assert 'data-rate="end_users">0.0 %' in html
        assert "Budget cuts" in html and "Submitted" in html

    def test_the_page_runs_a_fixed_number_of_queries(
        self, consultant_client, workspace, django_assert_max_num_queries
    ):
        assessment = open_assessment(project__account__workspace=workspace)
        url = reverse("readiness:assessment_detail", args=[assessment.pk])
        for _ in range(3):
            invite(assessment, role="end_user")
        with django_assert_max_num_queries(20) as small:
            consultant_client.get(url)
        for number in range(30):
            person = invite(assessment, role="manager")
            services.response_save_draft(invitation=person, answers={"CON": f"c{number}"}, step=7)
            services.response_submit(invitation=person)
        with django_assert_max_num_queries(len(small.captured_queries)):
            consultant_client.get(url)

    def test_open_send_and_close_by_hand(
        self, consultant_client, workspace, django_capture_on_commit_callbacks
    ):
        assessment = AssessmentFactory(
            project__account__workspace=workspace,
            opens_on=TODAY,
            closes_on=TODAY + datetime.timedelta(days=5),
        )
        invite(assessment)
        consultant_client.post(reverse("readiness:assessment_open", args=[assessment.pk]))
        with django_capture_on_commit_callbacks(execute=True):
            response = consultant_client.post(
                reverse("readiness:invitations_send", args=[assessment.pk]), follow=True
            )
        assert "Invitations are on their way to 1 person." in response.content.decode()
        assert len(mail.outbox) == 1
        consultant_client.post(reverse("readiness:assessment_close", args=[assessment.pk]))
        assessment.refresh_from_db()
        assert assessment.state == "closed"

    def test_a_bad_list_invites_no_one_and_says_which_lines(self, consultant_client, workspace):
        assessment = AssessmentFactory(project__account__workspace=workspace)
        response = consultant_client.post(
            reverse("readiness:invitation_add_list", args=[assessment.pk]),
            {"people": "Ada,ada@x.example,sponsor\nBo,bo@,end_user\n"},
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Nobody was invited: correct these lines and try again." in html
        assert "Line 2: “bo@” is not a valid e-mail address." in html
        assert not assessment.invitations.exists()

    def test_an_uploaded_list_invites_everyone(self, consultant_client, workspace):
        assessment = AssessmentFactory(project__account__workspace=workspace)
        upload = io.BytesIO(b"\xef\xbb\xbfname;email;role\nAda;ada@x.example;sponsor\n")
        upload.name = "people.csv"
        consultant_client.post(
            reverse("readiness:invitation_add_list", args=[assessment.pk]), {"file": upload}
        )
        assert list(assessment.invitations.values_list("email", flat=True)) == ["ada@x.example"]

    def test_copy_link_shows_the_working_personal_link(self, consultant_client, invitation):
        page = consultant_client.get(reverse("readiness:invitation_link", args=[invitation.pk]))
        assert link(invitation) in page.content.decode()

    def test_viewers_cannot_see_personal_links(self, viewer_client, workspace):
        person = invite(AssessmentFactory(project__account__workspace=workspace))
        url = reverse("readiness:invitation_link", args=[person.pk])
        assert viewer_client.get(url).status_code == 403

    def test_resend_sends_the_link_again(
        self, consultant_client, invitation, django_capture_on_commit_callbacks
    ):
        services.invitations_send(assessment_id=invitation.assessment_id)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            consultant_client.post(reverse("readiness:invitation_resend", args=[invitation.pk]))
        assert [m.to for m in mail.outbox] == [[invitation.email]]

    def test_a_csm_cannot_close_an_assessment(self, client_for, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        client = client_for(workspace, Role.CSM)
        assert (
            client.post(reverse("readiness:assessment_close", args=[assessment.pk])).status_code
            == 403
        )


def test_configured_logging_writes_no_token_to_any_django_log(capsys, settings) -> None:
    import logging.config

    from django.utils.log import DEFAULT_LOGGING

    settings.DEBUG = True  # Django's own console handler only prints under DEBUG
    try:
        # What runserver does: Django's defaults first, then the project's LOGGING.
        logging.config.dictConfig(DEFAULT_LOGGING)
        logging.config.dictConfig(base_settings.LOGGING)
        logging.getLogger("django.request").warning("Not Found: %s", "/s/leak-me/awareness/")
        logging.getLogger("django.server").warning('"GET %s" 404', "/s/leak-me/ HTTP/1.1")
        printed = capsys.readouterr()
        assert "leak-me" not in printed.out + printed.err
        assert "/s/[redacted]/awareness/" in printed.err
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
