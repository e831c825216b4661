"""Assessment services: lifecycle, invitation lists, e-mails and reminders, drafts, submission."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from readiness import csv_io, services, tasks
from readiness.models import (
    Assessment,
    AssessmentState,
    Invitation,
    Project,
    Response,
    ResponseStatus,
)
from readiness.selectors import project_recalculation_due as recalculation_due
from readiness.survey import tokens
from tests.factories import AssessmentFactory, InvitationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def open_assessment(**fields: object) -> Assessment:
    fields = {
        "opens_on": TODAY - datetime.timedelta(days=1),
        "closes_on": TODAY + datetime.timedelta(days=10),
        **fields,
    }
    return services.assessment_open(assessment=AssessmentFactory(**fields))


def invite(assessment: Assessment, **fields: object) -> Invitation:
    return InvitationFactory(assessment=assessment, **fields)


ALL_ANSWERS = {
    **{f"{p}{n}": "4" for p in ("AW", "DE", "KN", "AB", "RE", "LS") for n in (1, 2, 3)},
    "NPS": "9",
    "CON": "Training time",
}


class TestLifecycle:
    def test_a_draft_opens_and_then_closes(self) -> None:
        assessment = open_assessment()
        assert assessment.state == AssessmentState.OPEN and assessment.opened_at
        closed = services.assessment_close(assessment=assessment)
        assert closed.state == AssessmentState.CLOSED and closed.closed_at

    def test_a_closed_assessment_does_not_reopen(self) -> None:
        assessment = services.assessment_close(assessment=open_assessment())
        with pytest.raises(ValidationError, match="Only a draft assessment can be opened"):
            services.assessment_open(assessment=assessment)

    def test_an_assessment_past_its_closing_date_cannot_open(self) -> None:
        assessment = AssessmentFactory(
            opens_on=TODAY - datetime.timedelta(days=9), closes_on=TODAY - datetime.timedelta(1)
        )
        with pytest.raises(ValidationError, match="closing date has already passed"):
            services.assessment_open(assessment=assessment)

    def test_the_periodic_task_closes_only_overdue_assessments(self) -> None:
        overdue = open_assessment(opens_on=TODAY - datetime.timedelta(days=5))
        Assessment.objects.filter(pk=overdue.pk).update(closes_on=TODAY - datetime.timedelta(1))
        running = open_assessment()
        assert tasks.close_overdue_assessments.delay().get() == 1
        overdue.refresh_from_db(), running.refresh_from_db()
        assert overdue.state == AssessmentState.CLOSED
        assert running.state == AssessmentState.OPEN

    def test_an_open_assessments_template_cannot_change(self) -> None:
        assessment = open_assessment()
        other = services.template_new_version(template=assessment.template)
        with pytest.raises(ValidationError, match="cannot change"):
            services.assessment_update(assessment=assessment, template=other)

    def test_the_schedule_holds_closing_and_reminders(self, settings) -> None:
        tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert {
            "readiness.tasks.close_overdue_assessments",
            "readiness.tasks.send_due_reminders",
        } <= tasks_scheduled


class TestInvitationLists:
    def test_a_valid_list_invites_everyone(self) -> None:
        assessment = AssessmentFactory()
        rows = csv_io.read_person_list(
            "Name,E-mail,Role,Department\n"
            "Ada Lovelace, ADA@acme.example, sponsor, Board\n"
            "Bob Smith;bob@acme.example;End user\n".replace(";", ",")
        )
        added = services.invitation_add_list(assessment=assessment, rows=rows).added
        assert [(i.email, i.role) for i in added] == [
            ("ada@acme.example", "sponsor"),
            ("bob@acme.example", "end_user"),
        ]

    def test_a_list_with_errors_invites_no_one_and_names_each_line(self) -> None:
        assessment = AssessmentFactory()
        invite(assessment, email="taken@acme.example")
        text = (
            "Ada,ada@acme.example,sponsor\n"
            "Bad,not-an-email,manager\n"
            "Carl,carl@acme.example,boss\n"
            "Ada again,ada@acme.example,manager\n"
            "Tess,taken@acme.example,end_user\n"
        )
        with pytest.raises(ValidationError) as caught:
            services.invitation_add_list(assessment=assessment, rows=csv_io.read_person_list(text))
        assert caught.value.messages == [
            "Line 2: “not-an-email” is not a valid e-mail address.",
            "Line 3: “boss” is not a role: use sponsor, manager or end_user.",
            "Line 4: ada@acme.example is already on line 1.",
        ]
        assert assessment.invitations.count() == 1

    def test_only_a_hash_of_the_token_is_stored(self) -> None:
        invitation = invite(AssessmentFactory())
        token = tokens.token_for_salt(invitation.token_salt)
        assert len(token) >= 22  # at least 128 bits in URL-safe base64
        assert invitation.token_hash == tokens.hash_token(token)
        stored = Invitation.objects.values().get(pk=invitation.pk)
        assert token not in {str(value) for value in stored.values()}


class TestSending:
    def test_invitations_go_once_to_each_person_with_their_link(self) -> None:
        assessment = open_assessment()
        first, second = invite(assessment), invite(assessment)
        assert tasks.send_invitations.delay(assessment.pk).get() == 2
        assert tasks.send_invitations.delay(assessment.pk).get() == 0
        assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
        link = services.invitation_link(invitation=first)
        assert any(link in m.body for m in mail.outbox if m.to == [first.email])

    def test_a_draft_assessment_sends_nothing(self) -> None:
        assessment = AssessmentFactory()
        invite(assessment)
        assert services.invitations_send(assessment_id=assessment.pk) == 0
        assert mail.outbox == []


class TestReminders:
    def _sent(self, assessment: Assessment, when: datetime.datetime) -> Invitation:
        invitation = invite(assessment)
        services.invitations_send(assessment_id=assessment.pk, now=when)
        return invitation

    def test_reminders_respect_spacing_and_count(self) -> None:
        assessment = open_assessment(max_reminders=2, reminder_interval_days=3)
        start = timezone.now() - datetime.timedelta(days=20)
        invitation = self._sent(assessment, start)
        mail.outbox.clear()
        day = datetime.timedelta(days=1)
        assert services.reminders_send(assessment_id=assessment.pk, now=start + 2 * day) == 0
        assert services.reminders_send(assessment_id=assessment.pk, now=start + 3 * day) == 1
        assert services.reminders_send(assessment_id=assessment.pk, now=start + 5 * day) == 0
        assert services.reminders_send(assessment_id=assessment.pk, now=start + 6 * day) == 1
        assert services.reminders_send(assessment_id=assessment.pk, now=start + 12 * day) == 0
        invitation.refresh_from_db()
        assert invitation.reminder_count == 2
        assert len(mail.outbox) == 2 and mail.outbox[0].subject.startswith("Reminder:")

    def test_people_who_submitted_get_no_reminder(self) -> None:
        assessment = open_assessment(reminder_interval_days=1)
        start = timezone.now() - datetime.timedelta(days=5)
        done = self._sent(assessment, start)
        pending = invite(assessment)
        services.invitations_send(assessment_id=assessment.pk, now=start)
        services.response_save_draft(invitation=done, answers={"AW1": "4"}, step=1)
        services.response_submit(invitation=done)
        mail.outbox.clear()
        assert tasks.send_due_reminders.delay().get() == 1
        assert [m.to for m in mail.outbox] == [[pending.email]]


class TestDraftsAndSubmission:
    def test_a_draft_is_saved_per_step_and_resumed(self) -> None:
        invitation = invite(open_assessment())
        services.response_save_draft(invitation=invitation, answers={"AW1": "5"}, step=1)
        services.response_save_draft(invitation=invitation, answers={"DE1": "dont_know"}, step=2)
        draft = Response.objects.get(invitation=invitation, status=ResponseStatus.DRAFT)
        answers = {a.item.code: (a.value, a.dont_know) for a in draft.answers.all()}
        assert answers == {"AW1": (5, False), "DE1": (None, True)}
        assert draft.current_step == 2

    def test_an_out_of_range_value_is_refused_and_nothing_is_stored(self) -> None:
        invitation = invite(open_assessment())
        with pytest.raises(ValidationError) as caught:
            services.response_save_draft(
                invitation=invitation, answers={"AW1": "4", "AW2": "6", "NPS": "11"}, step=1
            )
        assert caught.value.message_dict == {
            "AW2": ["6 is out of range: use 1–5 or dont_know."],
            "NPS": ["11 is out of range: use 0–10."],
        }
        assert not Response.objects.exists()

    def test_submitting_makes_the_response_read_only_and_marks_the_project(self) -> None:
        assessment = open_assessment()
        Project.objects.filter(pk=assessment.project_id).update(needs_recalculation=False)
        invitation = invite(assessment)
        services.response_save_draft(invitation=invitation, answers=ALL_ANSWERS, step=7)
        response = services.response_submit(invitation=invitation)
        assert response.status == ResponseStatus.SUBMITTED and response.answers.count() == 20
        assert Response.objects.get(pk=response.pk).submitted_at == response.submitted_at
        invitation.refresh_from_db()
        assert invitation.submitted_at == response.submitted_at and invitation.opened_at
        assert recalculation_due(Project.objects.get(pk=assessment.project_id))
        with pytest.raises(services.AlreadySubmitted):
            services.response_save_draft(invitation=invitation, answers={"AW1": "1"}, step=1)

    def test_second_submission_is_refused_and_one_response_is_stored(self) -> None:
        invitation = invite(open_assessment())
        services.response_save_draft(invitation=invitation, answers={"AW1": "3"}, step=1)
        services.response_submit(invitation=invitation)
        with pytest.raises(services.AlreadySubmitted, match="already been submitted"):
            services.response_submit(invitation=invitation)
        assert Response.objects.filter(invitation=invitation).count() == 1

    def test_an_empty_draft_cannot_be_submitted(self) -> None:
        invitation = invite(open_assessment())
        with pytest.raises(ValidationError, match="Answer at least one question"):
            services.response_submit(invitation=invitation)

    def test_a_closed_assessment_refuses_answers(self) -> None:
        assessment = open_assessment()
        invitation = invite(assessment)
        services.response_save_draft(invitation=invitation, answers={"AW1": "3"}, step=1)
        services.assessment_close(assessment=assessment)
        with pytest.raises(services.SurveyUnavailable, match="closed"):
            services.response_save_draft(invitation=invitation, answers={"AW1": "4"}, step=1)
        with pytest.raises(services.SurveyUnavailable, match="closed"):
            services.response_submit(invitation=invitation)
        assert not Response.objects.filter(status=ResponseStatus.SUBMITTED).exists()

    def test_a_survey_before_its_opening_date_refuses_answers(self) -> None:
        invitation = invite(open_assessment(opens_on=TODAY + datetime.timedelta(days=2)))
        with pytest.raises(services.SurveyUnavailable, match="not open yet"):
            services.response_save_draft(invitation=invitation, answers={"AW1": "4"}, step=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_store_one_response() -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    invitation = invite(open_assessment())
    services.response_save_draft(invitation=invitation, answers={"AW1": "4"}, step=7)
    start = Barrier(4)

    def submit() -> str:
        start.wait(timeout=10)
        try:
            services.response_submit(invitation=invitation)
            return "stored"
        except services.AlreadySubmitted:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(lambda _: submit(), range(4)))
    assert outcomes == ["refused", "refused", "refused", "stored"]
    assert Response.objects.filter(invitation=invitation).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_respondent_saves_a_draft_while_another_submission_is_in_progress() -> None:
    """A submission locks its own invitation only, not the assessment that all share."""
    from tests.concurrency import held_open, refusing_to_wait

    assessment = open_assessment()
    first, second = invite(assessment), invite(assessment)
    services.response_save_draft(invitation=first, answers={"AW1": "4"}, step=7)
    with held_open(lambda: services.response_submit(invitation=first)), refusing_to_wait():
        services.response_save_draft(invitation=second, answers={"AW1": "5"}, step=1)
    assert Response.objects.filter(invitation=second, status=ResponseStatus.DRAFT).exists()
    assert Response.objects.filter(invitation=first, status=ResponseStatus.SUBMITTED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_submission_to_the_project_goes_through_while_invitations_are_being_sent() -> None:
    """Sending locks the invitations it sends, not the project that submissions mark."""
    from threading import Event, Thread

    from django.db import connection

    from tests.concurrency import refusing_to_wait

    assessment = open_assessment()
    respondent = invite(assessment)
    services.response_save_draft(invitation=respondent, answers={"AW1": "4"}, step=7)
    invite(assessment)  # not sent yet
    sending, finish = Event(), Event()

    class SlowMailServer:
        def open(self) -> None:
            pass

        def close(self) -> None:
            pass

        def send_messages(self, messages: list) -> int:
            sending.set()
            finish.wait(timeout=10)
            return len(messages)

    def send() -> None:
        try:
            services.invitations_send(assessment_id=assessment.pk, connection=SlowMailServer())
        finally:
            connection.close()

    Invitation.objects.filter(pk=respondent.pk).update(sent_at=timezone.now())
    thread = Thread(target=send)
    thread.start()
    try:
        assert sending.wait(timeout=10)
        # Fail instead of waiting for the sending transaction, should they share a lock: the
        # submission, and the recalculation that runs in-process once it commits.
        with refusing_to_wait():
            services.response_submit(invitation=respondent)
    finally:
        finish.set()
        thread.join()
    assert Response.objects.filter(invitation=respondent, status=ResponseStatus.SUBMITTED).exists()
