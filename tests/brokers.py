"""Celery pointed at a real or a dead broker, for tests of the degraded paths."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from config.celery_app import app as celery_app


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
