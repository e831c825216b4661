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
