"""Submitting a survey by its link: one statement on PostgreSQL, the services elsewhere.

Every test here runs both ways where both exist: on PostgreSQL the one-statement path and the
ORM path it falls back to elsewhere (SQLite), so the two keep the same behaviour.
"""

from __future__ import annotations

import datetime
import logging

import pytest
from django.conf import settings
from django.test import Client, TestCase
from django.utils import timezone

from readiness import hooks, services
from readiness.models import Invitation, Project, Response, ResponseStatus
from readiness.selectors import project_recalculation_due as recalculation_due
from readiness.services import responses
from readiness.survey import tokens
from tests.readiness.test_assessments import ALL_ANSWERS, TODAY, invite, open_assessment

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
PATHS = ["orm", *(["one statement"] if ON_POSTGRESQL else [])]


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Submit through the one-statement path (PostgreSQL) or through the ORM services."""
    if request.param == "orm":
        monkeypatch.setattr(responses, "ONE_STATEMENT_VENDORS", frozenset())
    return request.param


def token_of(invitation: Invitation) -> str:
    return tokens.token_for_salt(invitation.token_salt)


def answered(**fields: object) -> Invitation:
    """Return an invitation to an open assessment whose draft answers every question."""
    invitation = invite(open_assessment(**fields))
    services.response_save_draft(invitation=invitation, answers=ALL_ANSWERS, step=7)
    Project.objects.filter(pk=invitation.assessment.project_id).update(needs_recalculation=False)
    return invitation


def project_of(invitation: Invitation) -> Project:
    return Project.objects.get(pk=invitation.assessment.project_id)


class TestSubmitByToken:
    def test_the_draft_is_submitted_and_the_project_marked(self, path: str) -> None:
        invitation = answered()
        now = timezone.now()
        assert services.response_submit_by_token(token=token_of(invitation), now=now)
        response = Response.objects.get(invitation=invitation)
        assert response.status == ResponseStatus.SUBMITTED and response.submitted_at == now
        assert response.answers.count() == 20
        invitation.refresh_from_db()
        assert invitation.submitted_at == now and invitation.opened_at is not None
        project = project_of(invitation)
        # Marked by a change of its own, which leaves the project's row alone.
        assert recalculation_due(project) and not project.needs_recalculation
        assert project.evidence_changes.count() == 1

    def test_the_recalculation_runs_once_the_submission_commits(
        self, path: str, django_capture_on_commit_callbacks
    ) -> None:
        invitation = answered()
        project = project_of(invitation)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.response_submit_by_token(token=token_of(invitation))
        assert not project.snapshots.exists()  # not before the commit
        for callback in callbacks:
            callback()
        # Tasks run in-process in the tests: the recalculation has stored the score.
        assert project.snapshots.exists()
        project.refresh_from_db()
        assert not recalculation_due(project)

    def test_a_second_submission_changes_nothing(self, path: str) -> None:
        invitation = answered()
        first = timezone.now()
        assert services.response_submit_by_token(token=token_of(invitation), now=first)
        later = first + datetime.timedelta(minutes=1)
        assert not services.response_submit_by_token(token=token_of(invitation), now=later)
        assert Response.objects.get(invitation=invitation).submitted_at == first
        invitation.refresh_from_db()
        assert invitation.submitted_at == first

    def test_the_link_from_before_a_key_rotation_still_submits(self, path: str) -> None:
        invitation = answered()
        old_token = token_of(invitation)
        services.invitation_rekey(invitation=invitation, token_hash="f" * 64)
        assert services.response_submit_by_token(token=old_token)
        assert Response.objects.get(invitation=invitation).status == ResponseStatus.SUBMITTED

    @pytest.mark.parametrize(
        "reason", ["unknown link", "withdrawn", "closed", "past its closing date", "not yet open"]
    )
    def test_a_link_that_takes_no_answers_submits_nothing(self, path: str, reason: str) -> None:
        invitation = answered()
        token = token_of(invitation)
        assessment = invitation.assessment
        if reason == "unknown link":
            token = token[:-4] + "AAAA"
        elif reason == "withdrawn":
            # Withdrawing discards the draft; a new one is kept here, as if written meanwhile.
            Invitation.objects.filter(pk=invitation.pk).update(withdrawn_at=timezone.now())
        elif reason == "closed":
            services.assessment_close(assessment=assessment)
        elif reason == "past its closing date":
            type(assessment).objects.filter(pk=assessment.pk).update(
                closes_on=TODAY - datetime.timedelta(days=1)
            )
        else:
            type(assessment).objects.filter(pk=assessment.pk).update(
                opens_on=TODAY + datetime.timedelta(days=1)
            )
        assert not services.response_submit_by_token(token=token)
        assert not Response.objects.filter(status=ResponseStatus.SUBMITTED).exists()
        assert not recalculation_due(project_of(invitation))

    @pytest.mark.parametrize("draft", ["no draft", "a draft with every answer cleared"])
    def test_nothing_answered_submits_nothing(self, path: str, draft: str) -> None:
        invitation = invite(open_assessment())
        if draft != "no draft":
            services.response_save_draft(invitation=invitation, answers={"AW1": "4"}, step=1)
            services.response_save_draft(invitation=invitation, answers={"AW1": ""}, step=1)
        assert not services.response_submit_by_token(token=token_of(invitation))
        assert not Response.objects.filter(status=ResponseStatus.SUBMITTED).exists()

    @pytest.mark.parametrize("token", ["", "x" * 101])
    def test_an_empty_or_overlong_token_submits_nothing(self, path: str, token: str) -> None:
        answered()
        assert not services.response_submit_by_token(token=token)

    def test_a_failing_evidence_handler_is_logged_and_the_submission_stands(
        self, path: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        def broken_handler(project_id: int) -> None:
            raise RuntimeError("the queue is gone")

        monkeypatch.setattr(hooks, "_evidence_handlers", [broken_handler])
        invitation = answered()
        with caplog.at_level(logging.ERROR):
            with TestCase.captureOnCommitCallbacks(execute=True):
                assert services.response_submit_by_token(token=token_of(invitation))
        assert "broken_handler" in caplog.text and "the queue is gone" in caplog.text
        assert Response.objects.get(invitation=invitation).status == ResponseStatus.SUBMITTED
        assert recalculation_due(project_of(invitation))  # for the periodic sweep


class TestSubmitButton:
    def test_the_first_press_submits_and_the_second_says_it_was_already_done(
        self, path: str
    ) -> None:
        invitation = answered()
        token = token_of(invitation)
        first = Client().post(f"/s/{token}/submit/")
        assert first.status_code == 302 and first["Location"] == f"/s/{token}/"
        second = Client().post(f"/s/{token}/submit/")
        assert second.status_code == 409
        assert "this second submission was not stored" in second.content.decode()
        assert Response.objects.filter(invitation=invitation).count() == 1

    def test_nothing_answered_shows_the_review_with_what_to_do(self, path: str) -> None:
        invitation = invite(open_assessment())
        page = Client().post(f"/s/{token_of(invitation)}/submit/")
        assert page.status_code == 400
        assert "Answer at least one question before you submit." in page.content.decode()

    def test_a_closed_survey_says_so(self, path: str) -> None:
        invitation = answered()
        services.assessment_close(assessment=invitation.assessment)
        page = Client().post(f"/s/{token_of(invitation)}/submit/")
        assert page.status_code == 200 and "closed" in page.content.decode()
        assert not Response.objects.filter(status=ResponseStatus.SUBMITTED).exists()

    def test_an_unknown_link_is_not_found(self, path: str) -> None:
        answered()
        assert Client().post("/s/" + "A" * 43 + "/submit/").status_code == 404

    def test_a_get_is_not_a_submission(self, path: str) -> None:
        invitation = answered()
        assert Client().get(f"/s/{token_of(invitation)}/submit/").status_code == 405
        assert not Response.objects.filter(status=ResponseStatus.SUBMITTED).exists()


class TestStepSaves:
    def test_a_step_saved_again_replaces_its_answers_and_clears_blank_ones(self) -> None:
        invitation = invite(open_assessment())
        services.response_save_draft(
            invitation=invitation, answers={"AW1": "4", "AW2": "3", "AW3": "2"}, step=1
        )
        services.response_save_draft(
            invitation=invitation, answers={"AW1": "5", "AW2": "", "AW3": "dont_know"}, step=1
        )
        draft = Response.objects.get(invitation=invitation, status=ResponseStatus.DRAFT)
        stored = {a.item.code: (a.value, a.dont_know) for a in draft.answers.all()}
        assert stored == {"AW1": (5, False), "AW3": (None, True)}

    def test_saving_a_step_records_the_first_opening_and_where_to_resume(self) -> None:
        invitation = invite(open_assessment())
        assert invitation.opened_at is None
        services.response_save_draft(invitation=invitation, answers={"AW1": "4"}, step=3)
        invitation.refresh_from_db()
        assert invitation.opened_at is not None
        assert Response.objects.get(invitation=invitation).current_step == 3

    def test_a_step_post_costs_the_same_queries_whatever_was_answered_before(
        self, client: Client, django_assert_max_num_queries
    ) -> None:
        invitation = invite(open_assessment())
        token = token_of(invitation)
        client.post(f"/s/{token}/awareness/", {"AW1": "4", "action": "next"})
        # The link, the items, the locked invitation with its draft, the draft's step, the
        # answers (and at most a deletion of cleared ones): no validation queries.
        with django_assert_max_num_queries(6 + 2):  # + the savepoint and its release
            response = client.post(
                f"/s/{token}/desire/", {"DE1": "4", "DE2": "", "DE3": "2", "action": "next"}
            )
        assert response.status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixty_concurrent_double_submissions_store_one_response_each(path: str) -> None:
    """30 respondents each press "Submit" in two tabs at the same moment (60 requests)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    from scoring.services import scoring_model_ensure

    assessment = open_assessment()
    # The recalculations run in-process after each submission: let them find the workspace's
    # scoring model rather than all try to create its first version at once.
    scoring_model_ensure(workspace=assessment.workspace)
    invitations = [invite(assessment) for _ in range(30)]
    for invitation in invitations:
        services.response_save_draft(invitation=invitation, answers={"AW1": "4"}, step=7)
    pairs = 10  # 20 threads: both tabs of a respondent wait for each other, then press
    barriers = [Barrier(2) for _ in range(pairs)]

    def press(thread: int) -> list[tuple[int, int]]:
        pair, presses = thread // 2, []
        try:
            for invitation in invitations[pair::pairs]:
                barriers[pair].wait(timeout=30)
                answer = Client().post(f"/s/{token_of(invitation)}/submit/")
                presses.append((invitation.pk, answer.status_code))
        finally:
            connection.close()
        return presses

    with ThreadPoolExecutor(max_workers=2 * pairs) as pool:
        presses = [p for thread in pool.map(press, range(2 * pairs)) for p in thread]
    by_invitation: dict[int, list[int]] = {}
    for pk, status in presses:
        by_invitation.setdefault(pk, []).append(status)
    assert len(presses) == 60
    assert all(sorted(statuses) == [302, 409] for statuses in by_invitation.values())
    submitted = Response.objects.filter(status=ResponseStatus.SUBMITTED)
    assert sorted(submitted.values_list("invitation_id", flat=True)) == sorted(
        invitation.pk for invitation in invitations
    )
    assert Invitation.objects.filter(submitted_at__isnull=False).count() == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_respondents_of_a_project_do_not_wait_for_each_other(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submission whose transaction is still open does not hold up another respondent of the
    same project (it would, were the project's row updated: the second would wait for the
    first's commit). Both are counted."""
    from tests.concurrency import held_open, refusing_to_wait

    # No recalculation after the commits (tasks run in-process here): the changes stay to see.
    monkeypatch.setattr(hooks, "_evidence_handlers", [])
    first, second = answered(), answered()
    Invitation.objects.filter(pk=second.pk).update(assessment=first.assessment)
    Response.objects.filter(invitation=second).update(assessment=first.assessment)
    with (
        held_open(lambda: services.response_submit_by_token(token=token_of(first))),
        refusing_to_wait(),
    ):
        assert services.response_submit_by_token(token=token_of(second))
    project = project_of(first)
    assert project.evidence_changes.count() == 2 and recalculation_due(project)


def test_a_recalculation_counts_the_submissions_it_read(path: str) -> None:
    """The recalculation removes the changes it included: the project is no longer due."""
    from scoring.services import project_recalculate

    invitation = answered()
    assert services.response_submit_by_token(token=token_of(invitation))
    project = project_of(invitation)
    assert recalculation_due(project)
    project_recalculate(project_id=project.pk)
    assert not recalculation_due(project_of(invitation))
    assert not project.evidence_changes.exists()
