"""Fixtures for scoring: the worked example's responses and a Celery app aimed at a broker."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from config.celery_app import app as celery_app
from readiness.models import Assessment, Project
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

WORKED_RESPONSES = (
    ("sponsor", answers(aw=(5, 5, 4), de=(5, 4, 4), kn=(4, 4, 3), ab=(4, 3, 4), re=(4, 4, 4),
                        ls=(5, 5, 4), nps=9)),
    ("end_user", answers(aw=(4, 4, 4), de=(3, 3, 2), kn=(3, 2, 2), ab=(3, 3, 2), re=(3, 3, 3),
                         ls=(3, 4, 3), nps=6)),
    ("end_user", answers(aw=(4, 3, 4), de=(4, 4, 3), kn=(2, 3, 2), ab=(3, 2, 2), re=(3, 3, 2),
                         ls=(4, 3, 3), nps=8)),
)  # fmt: skip


def add_worked_example(assessment: Assessment) -> None:
    """Store SPEC §4's three submitted responses on `assessment`."""
    for role, values in WORKED_RESPONSES:
        submitted_response(assessment=assessment, role=role, values=values)


@pytest.fixture
def worked_project(workspace) -> Project:
    """Return a live project whose one assessment holds the worked example's responses."""
    project = ProjectFactory(account__workspace=workspace, status="live")
    add_worked_example(AssessmentFactory(project=project))
    return project


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Make tasks publish to the broker at `url` instead of running in-process."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)

    def reset_pools() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.task_always_eager, conf.broker_url = False, url
    reset_pools()
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
        reset_pools()


def closed_port() -> int:
    """Return a local TCP port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point Celery at a Redis broker on a closed port, as if the broker were down."""
    with celery_broker(f"redis://127.0.0.1:{closed_port()}/0"):
        yield


@pytest.fixture
def use_broker() -> Callable[[str], object]:
    return celery_broker
