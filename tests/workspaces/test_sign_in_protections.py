"""Sign-in protections: throttling, the admin's URL, CSP and private caching (issue 11, 9)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def user():
    return UserFactory(username="ada", email="ada@example.com")  # password "password"


def sign_in(client: Client, password: str, path: str = "/auth/login/"):
    return client.post(path, {"username": "ada", "password": password})


def test_the_right_password_is_refused_after_five_wrong_ones(user):
    client = Client(REMOTE_ADDR="203.0.113.5")
    answers = [sign_in(client, "wrong").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks the pair out
    locked = sign_in(client, "password")
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    # Another address is not locked out: nobody can lock a colleague out from elsewhere.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.9"), "password").status_code == 302


def test_a_right_password_resets_the_count(user):
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, "password").status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, "password").status_code == 302


def test_the_admin_sign_in_is_throttled_too(user):
    user.is_staff = True
    user.save()
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(5):
        sign_in(client, "wrong", "/admin/login/")
    assert sign_in(client, "password", "/admin/login/").status_code == 429


def test_password_reset_is_throttled_per_address_and_per_mailbox(user, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 5
    client = Client(REMOTE_ADDR="203.0.113.5")
    url = reverse("password_reset")
    answers = [client.post(url, {"email": "ada@example.com"}).status_code for _ in range(5)]
    assert answers == [302] * 5
    assert len(mail.outbox) == 3  # the mailbox's limit: the rest answered alike, not sent
    assert client.post(url, {"email": "bo@example.com"}).status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(url, {"email": "bo@example.com"}).status_code == 302


def test_signed_in_pages_are_private_and_not_stored(admin_client_ws):
    response = admin_client_ws.get("/")
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_every_page_carries_a_policy_without_inline_scripts(admin_client_ws, client):
    for response in (admin_client_ws.get("/"), client.get("/auth/login/")):
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src.split() == ["'self'"]
        assert "frame-ancestors 'none'" in policy


def test_no_template_holds_an_inline_script_or_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=|javascript:", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []


def test_the_admin_is_off_when_its_url_is_empty(client):
    import config.urls

    try:
        with override_settings(ADMIN_URL=""):
            importlib.reload(config.urls)
            clear_url_caches()
            assert client.get("/admin/login/").status_code == 404
        with override_settings(ADMIN_URL="backstage-7f3/"):
            importlib.reload(config.urls)
            clear_url_caches()
            assert client.get("/backstage-7f3/login/").status_code == 200
    finally:
        importlib.reload(config.urls)
        clear_url_caches()
