"""Redis down never loses a response: the cache and the broker fail open (issue 11, item 1)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from config.settings.base import redis_cache_settings
from readiness.models import Invitation, Project, Response, ResponseStatus
from readiness.selectors import project_recalculation_due as recalculation_due
from readiness.survey import tokens
from scoring import services as scoring_services
from scoring.models import ScoreSnapshot
from tests.brokers import celery_broker, closed_port
from tests.faults.redis_server import own_redis
from tests.readiness.test_assessments import invite, open_assessment


def answer_and_submit(invitation: Invitation) -> list[int]:
    """Go through the survey as a respondent would; return every status code answered."""
    base = f"/s/{tokens.token_for_salt(invitation.token_salt)}/"
    client = Client()
    return [
        client.get(base).status_code,
        client.post(base + "awareness/", {"AW1": "4", "AW2": "5", "action": "next"}).status_code,
        client.get(base + "review/").status_code,
        client.post(base + "submit/").status_code,
    ]


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_and_broker_unreachable_every_response_is_stored(
    workspace, settings, caplog
) -> None:
    down = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = redis_cache_settings(down)
    assessment = open_assessment(project__account__workspace=workspace)
    invitations = [invite(assessment) for _ in range(5)]
    caplog.set_level(logging.WARNING)
    with celery_broker(down):
        for invitation in invitations:
            assert answer_and_submit(invitation) == [200, 302, 200, 302]
        # Unknown links still get their page, not a 500, while the rate limit cannot count.
        assert Client().get("/s/" + "x" * 43 + "/").status_code == 404

    assert Response.objects.filter(status=ResponseStatus.SUBMITTED).count() == 5
    assert recalculation_due(Project.objects.get(pk=assessment.project_id))
    assert "The cache is unreachable" in caplog.text
    assert "Could not enqueue the recalculation" in caplog.text


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_redis_stopped_during_submissions_loses_nothing_and_the_sweep_catches_up(
    workspace, settings, caplog
) -> None:
    # Runs queued at once: every submission asks Redis (none is covered by a run this process
    # queued a moment ago), so the ones after the outage meet it.
    settings.SCORING_COALESCE_SECONDS = 0
    assessment = open_assessment(project__account__workspace=workspace)
    invitations = [invite(assessment) for _ in range(20)]
    caplog.set_level(logging.WARNING)
    with own_redis() as redis:
        settings.CACHES = redis_cache_settings(redis.url)
        with celery_broker(redis.url):
            for invitation in invitations[:10]:
                assert answer_and_submit(invitation) == [200, 302, 200, 302]
            redis.stop()
            for invitation in invitations[10:]:
                assert answer_and_submit(invitation) == [200, 302, 200, 302]
            assert "The cache is unreachable" in caplog.text

            submitted = Response.objects.filter(status=ResponseStatus.SUBMITTED).count()
            assert submitted == len(invitations)
            assert recalculation_due(Project.objects.get(pk=assessment.project_id))

            redis.start()
            # No worker runs here: the periodic sweep is what catches up after the outage.
            scoring_services.dirty_projects_recalculate()

    snapshot = ScoreSnapshot.objects.get(project_id=assessment.project_id)
    # Every response counts: the figures show them by threes (the minimum group size), 18 of 20.
    assert snapshot.responses == len(invitations) - len(invitations) % 3
    assert not recalculation_due(Project.objects.get(pk=assessment.project_id))


def test_a_web_worker_starts_with_the_cache_and_broker_unreachable(settings, caplog) -> None:
    """gunicorn's warm-up of a new worker logs the outage and lets the worker serve."""
    from config.gunicorn import post_worker_init

    down = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = redis_cache_settings(down)
    caplog.set_level(logging.WARNING)
    with celery_broker(down):
        post_worker_init(worker=None)
    assert "The cache is unreachable" in caplog.text
    assert "The broker is unreachable at start-up" in caplog.text


@pytest.mark.redis
def test_a_warmed_up_worker_publishes_its_first_recalculation_on_an_open_connection(
    settings,
) -> None:
    """After the warm-up, the broker connection is in the producer pool: the first task a
    worker publishes does not connect."""
    from config.celery_app import app
    from config.warm_up import worker_warm_up

    with own_redis() as redis, celery_broker(redis.url):
        settings.CACHES = redis_cache_settings(redis.url)
        worker_warm_up()
        with app.producer_or_acquire() as producer:
            assert producer.connection.connected
