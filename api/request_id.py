"""A request id in every response header and every log line written while serving it."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# A caller's own id (a proxy's, a client's trace id) is kept when it is short and plain, so
# the same id can be followed from their logs into ours; anything else is replaced.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
NO_REQUEST = "-"

current_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def new_request_id(offered: str | None = None) -> str:
    """Return the caller's id when it is acceptable, else a fresh random one."""
    if offered and ACCEPTED.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give each request an id, expose it as `request.request_id` and in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get(HEADER))
        request.request_id = request_id
        # Kept until the request is finished (`forget_request_id`), not only while the
        # middleware runs: Django logs a 4xx/5xx answer after the whole middleware chain.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def forget_request_id(**kwargs: object) -> None:
    """Clear the id once the response is sent (connected to `request_finished`)."""
    current_request_id.set(NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Add `request_id` to every record, "-" outside a request (tasks, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
