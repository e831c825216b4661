"""Personal survey links: unguessable tokens that are stored only as a hash.

A link's token is an HMAC-SHA256 (256 bits) of a random per-invitation salt under a key derived
from the server secret. The database keeps the salt and the SHA-256 of the token, never the
token itself: a copy of the database alone cannot open a survey, while the server can show the
consultant the same link again ("copy link") without storing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

_KEY_PURPOSE = b"adoptready.survey-link.v1"


def new_salt() -> str:
    """Return a fresh random salt (128 bits, hex) for one invitation."""
    return secrets.token_hex(16)


def token_for_salt(salt: str) -> str:
    """Return the URL-safe token of the invitation with `salt`."""
    key = hmac.new(settings.SECRET_KEY.encode(), _KEY_PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()
