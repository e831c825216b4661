"""A cache-based limit on unknown survey links per client address (SPEC §9).

Only misses count, and only misses are refused: a valid link always opens, however many
unknown links its client (or the proxy it shares with every respondent) asked for before.
Guessing stays pointless — tokens carry 256 bits — and a client that keeps guessing gets 429
pages instead of 404s for its unknown links.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the client's address, trusting `SURVEY_TRUSTED_PROXY_COUNT` proxies in front.

    With N trusted proxies, the client is the N-th address from the right of
    `X-Forwarded-For` (each proxy appends the address it received the request from); whatever
    a client wrote further left is ignored. With 0, or a header shorter than N, REMOTE_ADDR.
    """
    trusted = settings.SURVEY_TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        return remote
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a proxy that writes junk: count it under the proxy's address
        return remote


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
