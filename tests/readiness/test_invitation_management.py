"""Correcting invitations: edit, withdraw, re-pasting a list, and "remind now"."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from readiness import csv_io, selectors, services
from readiness.models import Invitation, Response
from scoring import services as scoring_services
from tests.readiness.test_assessments import invite, open_assessment
from tests.readiness.test_survey import link

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(workspace):
    return open_assessment(project__account__workspace=workspace)


def rate(assessment, key: str = "all") -> dict:
    return next(r for r in selectors.response_rates(assessment=assessment) if r["key"] == key)


class TestEdit:
    def test_the_consultant_corrects_an_address_and_the_link_keeps_working(
        self, consultant_client, client, assessment
    ):
        invitation = invite(assessment, name="Ada Lovelce", email="ada@wrong.example")
        old_link = link(invitation)
        response = consultant_client.post(
            reverse("readiness:invitation_edit", args=[invitation.pk]),
            {
                "name": "Ada Lovelace",
                "email": "Ada@Customer.example",
                "role": "manager",
                "department": "Finance",
                "language": "fr",
            },
        )
        assert response.status_code == 302
        invitation.refresh_from_db()
        assert (invitation.name, invitation.email, invitation.role) == (
            "Ada Lovelace",
            "ada@customer.example",
            "manager",
        )
        assert (invitation.department, invitation.language) == ("Finance", "fr")
        assert '<html lang="fr">' in client.get(old_link).content.decode()

    def test_the_consultant_corrects_attributes_kept_for_the_reports_cuts(
        self, consultant_client, assessment
    ):
        invitation = invite(assessment, name="Ada", email="ada@customer.example")
        url = reverse("readiness:invitation_edit", args=[invitation.pk])
        fields = {"name": "Ada", "email": "ada@customer.example", "role": "end_user"}
        response = consultant_client.post(
            url, {**fields, "language": "en", "attributes": "Location: Lyon\nteam:  Dispatch"}
        )
        assert response.status_code == 302
        invitation.refresh_from_db()
        assert invitation.attributes == {"location": "Lyon", "team": "Dispatch"}
        assert "location: Lyon" in consultant_client.get(url).content.decode()

        refused = consultant_client.post(
            url, {**fields, "language": "en", "attributes": "just Lyon"}
        ).content.decode()
        assert "Line 1: write each attribute as “name: value”" in refused
        refused = consultant_client.post(
            url, {**fields, "language": "en", "attributes": "role: boss"}
        ).content.decode()
        assert "needs another name: the report uses it" in refused
        invitation.refresh_from_db()
        assert invitation.attributes == {"location": "Lyon", "team": "Dispatch"}

    def test_an_address_already_invited_is_refused(self, consultant_client, assessment):
        invite(assessment, email="bo@customer.example")
        invitation = invite(assessment, email="cy@customer.example")
        response = consultant_client.post(
            reverse("readiness:invitation_edit", args=[invitation.pk]),
            {"name": "Cy", "email": "bo@customer.example", "role": "end_user", "language": "en"},
        )
        assert "bo@customer.example is already invited to this assessment." in (
            response.content.decode()
        )
        invitation.refresh_from_db()
        assert invitation.email == "cy@customer.example"


class TestWithdraw:
    def test_withdrawing_asks_for_confirmation_first(self, consultant_client, assessment):
        invitation = invite(assessment, name="Dee")
        page = consultant_client.get(reverse("readiness:invitation_withdraw", args=[invitation.pk]))
        assert "Withdraw the invitation of Dee?" in page.content.decode()
        invitation.refresh_from_db()
        assert invitation.withdrawn_at is None

    def test_a_withdrawn_link_stops_working_leaves_the_denominator_and_loses_its_draft(
        self, consultant_client, client, assessment
    ):
        leaver = invite(assessment, name="Leaver")
        # Three stayers: a round's figures show from the minimum group size (3) on.
        stayers = [invite(assessment, name=f"Stayer {n}") for n in range(3)]
        client.post(link(leaver, "awareness"), {"AW1": "2", "action": "later"})
        for stayer in stayers:
            client.post(link(stayer, "awareness"), {"AW1": "4", "action": "next"})
            client.post(link(stayer, "submit"))
        assert rate(assessment)["invited"] == 4

        response = consultant_client.post(
            reverse("readiness:invitation_withdraw", args=[leaver.pk]), follow=True
        )
        assert "the link no longer works" in response.content.decode()
        assert client.get(link(leaver)).status_code == 404
        assert client.post(link(leaver, "awareness"), {"AW1": "5"}).status_code == 404
        assert not Response.objects.filter(invitation=leaver).exists()
        assert rate(assessment) | {"label": ""} == {
            "key": "all",
            "label": "",
            "invited": 3,
            "submitted": 3,
            "rate": 100.0,
        }
        snapshot = scoring_services.project_recalculate(project_id=assessment.project_id)
        # The score's response rate leaves the withdrawn invitation out too: 3 of 3.
        assert snapshot.response_rate == pytest.approx(1.0)

    def test_a_withdrawn_invitation_gets_no_invitation_or_reminder(self, assessment):
        leaver = invite(assessment)
        services.invitation_withdraw(invitation=leaver)
        assert services.invitations_send(assessment_id=assessment.pk) == 0
        assert mail.outbox == []

    def test_a_submitted_invitation_cannot_be_withdrawn(self, client, assessment):
        invitation = invite(assessment)
        client.post(link(invitation, "awareness"), {"AW1": "4", "action": "next"})
        client.post(link(invitation, "submit"))
        with pytest.raises(ValidationError, match="has already submitted"):
            services.invitation_withdraw(invitation=invitation)


class TestListSkipsPeopleAlreadyInvited:
    def test_re_pasting_an_updated_list_adds_the_new_and_reports_the_others(
        self, consultant_client, assessment
    ):
        invite(assessment, email="ada@customer.example")
        response = consultant_client.post(
            reverse("readiness:invitation_add_list", args=[assessment.pk]),
            {
                "people": "Ada,ada@customer.example,sponsor\n"
                "Bo,bo@customer.example,end_user\n"
                "Cy,CY@customer.example,end_user,Ops,de\n"
            },
            follow=True,
        )
        page = response.content.decode()
        assert "2 people invited." in page
        assert "Skipped 1 person already invited: ada@customer.example." in page
        assert set(assessment.invitations.values_list("email", flat=True)) == {
            "ada@customer.example",
            "bo@customer.example",
            "cy@customer.example",
        }

    def test_a_bad_line_still_invites_no_one(self, assessment):
        invite(assessment, email="ada@customer.example")
        rows = csv_io.read_person_list(
            "Ada,ada@customer.example,sponsor\nBo,not-an-address,end_user\n"
        )
        with pytest.raises(ValidationError):
            services.invitation_add_list(assessment=assessment, rows=rows)
        assert assessment.invitations.count() == 1


class TestRemindNow:
    def test_remind_now_overrides_the_spacing_for_the_people_ticked(
        self, consultant_client, assessment, django_capture_on_commit_callbacks
    ):
        ada, bo, cy = (invite(assessment, name=n) for n in ("Ada", "Bo", "Cy"))
        services.invitations_send(assessment_id=assessment.pk)
        mail.outbox.clear()
        # Just sent: nobody is due a reminder by the spacing rule.
        assert services.invitations_due_reminder(assessment=assessment).count() == 0
        with django_capture_on_commit_callbacks(execute=True):
            response = consultant_client.post(
                reverse("readiness:reminders_send_now", args=[assessment.pk]),
                {"invitation": [ada.pk, cy.pk]},
                follow=True,
            )
        assert "A reminder is on its way to 2 people now." in response.content.decode()
        assert sorted(m.to[0] for m in mail.outbox) == sorted([ada.email, cy.email])
        assert all(m.subject.startswith("Reminder: ") for m in mail.outbox)
        counts = dict(Invitation.objects.values_list("name", "reminder_count"))
        assert counts == {"Ada": 1, "Bo": 0, "Cy": 1}

    def test_people_who_cannot_be_reminded_are_reported(
        self, consultant_client, assessment, django_capture_on_commit_callbacks
    ):
        sent = invite(assessment, name="Sent")
        services.invitations_send(assessment_id=assessment.pk)
        never_sent = invite(assessment, name="Never sent")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = consultant_client.post(
                reverse("readiness:reminders_send_now", args=[assessment.pk]),
                {"invitation": [sent.pk, never_sent.pk, "x"]},
                follow=True,
            )
        page = response.content.decode()
        assert "A reminder is on its way to 1 person now." in page
        assert "1 of the people ticked cannot be reminded" in page
        assert [m.to[0] for m in mail.outbox] == [sent.email]

    def test_nothing_ticked_says_what_to_do(self, consultant_client, assessment):
        response = consultant_client.post(
            reverse("readiness:reminders_send_now", args=[assessment.pk]), follow=True
        )
        assert "Tick the people to remind" in response.content.decode()


@pytest.mark.parametrize("role", ["csm", "viewer"])
def test_only_those_who_run_assessments_manage_invitations(client_for, workspace, role):
    client = client_for(workspace, role)
    assessment = open_assessment(project__account__workspace=workspace)
    invitation = invite(assessment)
    for name, args in [
        ("readiness:invitation_edit", [invitation.pk]),
        ("readiness:invitation_withdraw", [invitation.pk]),
        ("readiness:reminders_send_now", [assessment.pk]),
    ]:
        assert client.post(reverse(name, args=args)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None
