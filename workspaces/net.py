"""The client's network address, as the trusted proxies in front of the app report it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the client's address, trusting `TRUSTED_PROXY_COUNT` proxies in front.

    With N trusted proxies, the client is the N-th address from the right of
    `X-Forwarded-For` (each proxy appends the address it received the request from); whatever
    a client wrote further left is ignored. With 0, or a header shorter than N, REMOTE_ADDR.
    """
    trusted = settings.TRUSTED_PROXY_COUNT
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
