"""What a new web worker does before its first request, so that no respondent pays for it.

Loaded lazily, Celery's task registry, result backend and message machinery and the first
connections to the cache and the broker cost the first submission of each gunicorn worker
80–190 ms under load (docs/performance.md, "Survey submission"): the benchmark's slowest
requests. gunicorn calls `worker_warm_up` once in each worker, after the fork
(`config/gunicorn.py`), so no connection is shared between processes. A service that is down
is logged and left to the requests, which carry on without it (SPEC §9).
"""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def worker_warm_up() -> None:
    """Load Celery's lazy parts and open this process's cache and broker connections."""
    from django.core.cache import cache

    from config.celery_app import app

    app.finalize(auto=True)
    app.amqp  # noqa: B018 — the message machinery, built on first use
    app.backend  # noqa: B018 — each published task's result handle needs it
    cache.get("warm-up")  # the cache fails open: a warning if Redis is down
    if app.conf.task_always_eager:
        return
    try:
        with app.producer_or_acquire() as producer:
            # One attempt, within the broker's connection timeout: no retries, so that a
            # worker started during an outage serves at once.
            producer.connection.connect()
    except (BrokerError, RedisError, OSError) as error:
        logger.warning("The broker is unreachable at start-up (%s).", type(error).__name__)
