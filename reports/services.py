"""Every write of reports: share links to a project's report, and their openings."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from readiness.models import Project
from reports.models import ShareLink, ShareLinkOpening

DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365
# 32 random bytes: 256 bits, well above the 128 the SPEC asks of every secret.
SECRET_BYTES = 32


def share_token_hash(token: str) -> str:
    """Return the stored form of a share link's secret."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_link_create(
    *,
    project: Project,
    user: AbstractBaseUser | None,
    label: str,
    days: int = DEFAULT_SHARE_DAYS,
    now: datetime.datetime | None = None,
) -> tuple[ShareLink, str]:
    """Create a read-only link to the project's report; return it with its secret.

    The secret is returned once, here: only its hash is stored.
    """
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise ValidationError(f"Choose a validity between 1 and {MAX_SHARE_DAYS} days.")
    now = now or timezone.now()
    token = secrets.token_urlsafe(SECRET_BYTES)
    link = ShareLink(
        workspace_id=project.workspace_id,
        project=project,
        label=label.strip(),
        token_hash=share_token_hash(token),
        prefix=token[:6],
        created_by=user,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    link.full_clean()
    link.save()
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink, now: datetime.datetime | None = None) -> ShareLink:
    """Revoke a share link at once; revoking twice keeps the first time."""
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = now or timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


@transaction.atomic
def share_link_open(
    *, token: str, user_agent: str = "", now: datetime.datetime | None = None
) -> ShareLink | None:
    """Return the active link for `token` and log the opening; None for any other token.

    Unknown, expired and revoked links are alike to the caller, so a page answers them with
    the same 404.
    """
    now = now or timezone.now()
    link = (
        ShareLink.objects.select_related("project__account", "project__workspace")
        .filter(token_hash=share_token_hash(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if link is None:
        return None
    ShareLinkOpening.objects.create(
        workspace_id=link.workspace_id, share_link=link, opened_at=now, user_agent=user_agent[:200]
    )
    ShareLink.objects.filter(pk=link.pk).update(open_count=F("open_count") + 1, last_opened_at=now)
    return link
