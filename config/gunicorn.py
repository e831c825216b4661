"""gunicorn's configuration of the web workers: `gunicorn config.wsgi -c config/gunicorn.py`."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Warm each worker up once it has loaded the application (`config.warm_up`)."""
    from config.warm_up import worker_warm_up

    worker_warm_up()
