"""The signed cookie by which a phone that joined a workshop finds its own participant again.

It holds the participant's survey token (random, identifying no one) under a name per workshop
code, signed so that a value cannot be made up. It is how "one submission per device" works: the
join page sends a device that already joined back to its own survey (or its thanks page).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

PREFIX = "adoptready_w_"
SALT = "adoptready.workshop-device"
MAX_AGE = 12 * 60 * 60  # a kick-off day


def remember(response: HttpResponse, request: HttpRequest, *, code: str, token: str) -> None:
    """Set the cookie that ties this device to its participant of workshop `code`."""
    response.set_signed_cookie(
        PREFIX + code,
        token,
        salt=SALT,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def token_for(request: HttpRequest, *, code: str) -> str | None:
    """Return the survey token this device received when it joined workshop `code`, if any."""
    return request.get_signed_cookie(PREFIX + code, default=None, salt=SALT, max_age=MAX_AGE)


def joined_with(request: HttpRequest, token: str) -> bool:
    """Return whether this device joined a workshop as the participant whose token is `token`."""
    return any(
        request.get_signed_cookie(name, default=None, salt=SALT, max_age=MAX_AGE) == token
        for name in request.COOKIES
        if name.startswith(PREFIX)
    )
