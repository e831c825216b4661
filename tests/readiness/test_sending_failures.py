"""Names without control characters; e-mail failures recorded and shown (issue 11, item 7)."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from readiness import services, tasks
from readiness.models import Account, Assessment, Invitation
from tests.readiness.test_assessments import invite, open_assessment
from workspaces.models import Role

pytestmark = pytest.mark.django_db


class TestNames:
    @pytest.mark.parametrize("name", ["Acme\r\nBcc: all@example.com", "Acme\tLtd", "Acme\x00"])
    def test_an_account_name_with_control_characters_is_refused(
        self, client_for, workspace, name: str
    ) -> None:
        client = client_for(workspace, Role.CONSULTANT)
        response = client.post(reverse("readiness:account_create"), {"name": name})
        assert response.status_code in (200, 400)
        assert not Account.objects.filter(workspace=workspace).exists()
        if "\x00" not in name:
            assert "Remove the line breaks, tabs and other control characters" in (
                response.content.decode()
            )

    def test_the_service_refuses_a_line_break_in_an_invitee_name(self, workspace) -> None:
        assessment = open_assessment(project__account__workspace=workspace)
        with pytest.raises(ValidationError, match="control characters"):
            services.invitation_create(
                assessment=assessment, name="Ada\nLovelace", email="ada@example.com", role="sponsor"
            )


class RefusingOneAddress(EmailBackend):
    """A mail server that refuses one recipient and takes the rest."""

    def send_messages(self, messages: list) -> int:
        for message in messages:
            if "refused@" in message.to[0]:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return super().send_messages(messages)


class DownForTheFirstAssessment(EmailBackend):
    """A mail server that cannot be reached for the first sending run, then works."""

    runs = 0

    def open(self) -> bool:
        type(self).runs += 1
        if type(self).runs == 1:
            raise ConnectionRefusedError("mail server down")
        return True


class TestSendingFailures:
    def test_one_refused_address_fails_only_its_invitation_and_the_page_says_so(
        self, settings, client_for, workspace
    ) -> None:
        settings.EMAIL_BACKEND = "tests.readiness.test_sending_failures.RefusingOneAddress"
        assessment = open_assessment(project__account__workspace=workspace)
        invite(assessment, name="Ada", email="ada@example.com")
        refused = invite(assessment, name="Bo", email="refused@example.com")

        assert tasks.send_invitations.delay(assessment.pk).get() == 1

        assert [message.to for message in mail.outbox] == [["ada@example.com"]]
        refused.refresh_from_db()
        assert refused.sent_at is None
        assert refused.send_error == "Not sent: the mail server refused it (SMTPRecipientsRefused)."
        page = client_for(workspace, Role.CONSULTANT).get(
            reverse("readiness:assessment_detail", args=[assessment.pk])
        )
        assert "Not sent: the mail server refused it" in page.content.decode()

    def test_a_line_break_left_in_an_old_account_name_cannot_break_the_e_mail(
        self, workspace
    ) -> None:
        assessment = open_assessment(project__account__workspace=workspace)
        invitation = invite(assessment)
        # A name saved before names were checked: written past the service on purpose.
        Account.objects.filter(pk=assessment.project.account_id).update(name="Acme\r\nBcc: x")

        assert services.invitations_send(assessment_id=assessment.pk) == 1

        invitation.refresh_from_db()
        assert invitation.sent_at is not None and invitation.send_error == ""
        subject = mail.outbox[0].message()["Subject"]
        assert "\n" not in subject and "\r" not in subject and not mail.outbox[0].bcc

    def test_a_failing_assessment_does_not_stop_the_hourly_reminders_of_the_others(
        self, settings
    ) -> None:
        settings.EMAIL_BACKEND = "tests.readiness.test_sending_failures.DownForTheFirstAssessment"
        DownForTheFirstAssessment.runs = 0
        long_ago = timezone.now() - datetime.timedelta(days=30)
        first, second = open_assessment(), open_assessment()
        for assessment in (first, second):
            invite(assessment)
        Invitation.objects.update(sent_at=long_ago)

        assert tasks.send_due_reminders.delay().get() == 1

        failed = Assessment.objects.exclude(send_error="").get()
        assert "The last sending run failed (ConnectionRefusedError)" in failed.send_error
        assert len(mail.outbox) == 1
        assert Invitation.objects.filter(reminder_count=1).count() == 1
