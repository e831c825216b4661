"""Every write of the api app: tokens, idempotency records, webhook subscriptions."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, TokenScope
from workspaces.models import Workspace

TOKEN_START = "ar_"
# How often the last use is written: a token used a thousand times a minute costs one UPDATE.
LAST_USED_PRECISION = datetime.timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # The whole token, shown once: only its hash is stored.
    secret: str


def hash_secret(raw: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


def split_token(raw: str) -> tuple[str, str] | None:
    """Return a token's (prefix, whole token), or None when it is not shaped like one."""
    if not raw.startswith(TOKEN_START) or raw.count("_") < 2 or len(raw) > 200:
        return None
    prefix = raw[: raw.index("_", len(TOKEN_START))]
    return prefix, raw


@transaction.atomic
def api_token_create(
    *,
    workspace: Workspace,
    created_by: AbstractBaseUser | None,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> IssuedToken:
    """Create a token; the returned secret is the only time the whole token is known."""
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "Choose an expiry in the future, or none."})
    prefix = TOKEN_START + secrets.token_hex(5)
    # 32 random bytes: 256 bits, far above the 128 bits SPEC §9 asks of every secret.
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        workspace=workspace,
        created_by=created_by,
        name=name.strip(),
        scope=scope,
        expires_at=expires_at,
        prefix=prefix,
        secret_hash=hash_secret(raw),
        created_at=now,
    )
    token.full_clean()
    token.save()
    return IssuedToken(token=token, secret=raw)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, now: datetime.datetime | None = None) -> ApiToken:
    """Revoke a token: the next request that presents it is refused."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Record that the token was used, at most once a minute."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
