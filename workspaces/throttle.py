"""Throttling of the password-reset form, per client address and per e-mail address."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workspaces.net import client_address

TOO_MANY = (
    "Too many password-reset requests came from your network. Wait an hour, then ask again; "
    "an e-mail already sent stays valid."
)


def _count(key: str) -> int:
    """Add one to a counter that expires after the window; return its new value."""
    if cache.add(key, 1, timeout=settings.PASSWORD_RESET_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.PASSWORD_RESET_WINDOW)
        return 1


def password_reset(request: HttpRequest) -> HttpResponse:
    """Django's password-reset view, refusing floods from one address or at one mailbox.

    Too many requests from one address get a 429 page; too many for one e-mail address get
    the usual "check your inbox" answer without another e-mail, so the answer never tells
    whether an account exists.
    """
    if request.method == "POST":
        address = client_address(request)
        if _count(f"password-reset:address:{address}") > settings.PASSWORD_RESET_LIMIT_PER_ADDRESS:
            return render(request, "registration/too_many.html", {"message": TOO_MANY}, status=429)
        email = request.POST.get("email", "").strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()
        if _count(f"password-reset:email:{digest}") > settings.PASSWORD_RESET_LIMIT_PER_EMAIL:
            return redirect("password_reset_done")
    return auth_views.PasswordResetView.as_view()(request)
