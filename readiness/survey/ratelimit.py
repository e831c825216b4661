"""A cache-based limit on unknown survey links per client address (SPEC §9).

Only misses count, and only misses are refused: a valid link always opens, however many
unknown links its client (or the proxy it shares with every respondent) asked for before.
Guessing stays pointless — tokens carry 256 bits — and a client that keeps guessing gets 429
pages instead of 404s for its unknown links.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from workspaces.net import client_address


def _key(request: HttpRequest) -> str:
    return f"survey-miss:{client_address(request)}"


def is_blocked(request: HttpRequest) -> bool:
    """Return whether this client has looked up too many unknown links recently."""
    return (cache.get(_key(request)) or 0) >= settings.SURVEY_UNKNOWN_LINK_LIMIT


def record_miss(request: HttpRequest) -> None:
    """Count one look-up of an unknown link against this client."""
    key = _key(request)
    if cache.add(key, 1, timeout=settings.SURVEY_UNKNOWN_LINK_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.SURVEY_UNKNOWN_LINK_WINDOW)
