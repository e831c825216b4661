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


# --- Workshops ----------------------------------------------------------------------------
# A whole room often shares one public address (the customer's Wi-Fi behind one NAT), so the
# join limit is sized above a room, and only the creation of new participants counts: a device
# that already joined (its signed cookie) is never checked again.


def _count(key: str, window: int) -> None:
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def workshop_code_blocked(request: HttpRequest) -> bool:
    """Return whether this client has tried too many unknown workshop codes recently."""
    key = f"workshop-miss:{_address(request)}"
    return cache.get(key, 0) >= settings.WORKSHOP_UNKNOWN_CODE_LIMIT


def workshop_record_miss(request: HttpRequest) -> None:
    """Count one unknown workshop code tried by this client."""
    _count(f"workshop-miss:{_address(request)}", settings.WORKSHOP_UNKNOWN_CODE_WINDOW)


def workshop_join_blocked(request: HttpRequest, workshop_id: int) -> bool:
    """Return whether this address has added too many participants to the workshop recently."""
    key = f"workshop-join:{workshop_id}:{_address(request)}"
    return cache.get(key, 0) >= settings.WORKSHOP_JOIN_LIMIT


def workshop_record_join(request: HttpRequest, workshop_id: int) -> None:
    """Count one participant added to the workshop from this address."""
    _count(f"workshop-join:{workshop_id}:{_address(request)}", settings.WORKSHOP_JOIN_WINDOW)
