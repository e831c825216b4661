"""A small cache-based limit on survey link look-ups per client address (SPEC §9)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest) -> str:
    # REMOTE_ADDR is the proxy's address behind a proxy; see README "Survey links".
    return f"survey-miss:{request.META.get('REMOTE_ADDR', '')}"


def is_blocked(request: HttpRequest) -> bool:
    """Return whether this client has looked up too many unknown links recently."""
    return cache.get(_key(request), 0) >= settings.SURVEY_UNKNOWN_LINK_LIMIT


def record_miss(request: HttpRequest) -> None:
    """Count one look-up of an unknown link against this client."""
    key = _key(request)
    if cache.add(key, 1, timeout=settings.SURVEY_UNKNOWN_LINK_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.SURVEY_UNKNOWN_LINK_WINDOW)
