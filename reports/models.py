"""Read-only share links to a project's report and change plan, for the customer's sponsor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from readiness.models import Project
from workspaces.models import WorkspaceOwned


class ShareLink(WorkspaceOwned):
    """A secret link to one project's report; only a SHA-256 of its secret is stored.

    The secret has 256 bits, so an unsalted hash is enough: nobody can enumerate it.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(
        "shared with", max_length=200, help_text="Whom the link is for, e.g. the sponsor's name."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, to tell links apart on the page (not enough to open).
    prefix = models.CharField(max_length=8, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="share_link_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.label}"

    def is_active(self, now: object = None) -> bool:
        """Return whether the link opens the report now (neither revoked nor expired)."""
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class ShareLinkOpening(WorkspaceOwned):
    """One opening of a share link: when, and by which browser (no address is kept)."""

    share_link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="openings")
    opened_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.share_link_id} opened {self.opened_at:%Y-%m-%d %H:%M}"
