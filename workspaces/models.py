"""Workspaces (the tenants), their members and roles, and the base of every tenant-owned model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from workspaces.validators import validate_single_line_text

# The languages the respondent flow and the default template ship in (settings.LANGUAGES
# names the same codes); survey wording falls back to the item's own wording in any other.
SURVEY_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
)
SURVEY_LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _ in SURVEY_LANGUAGES)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CONSULTANT = "consultant", "Consultant"
    CSM = "csm", "Customer-success manager"
    VIEWER = "viewer", "Viewer"


class Workspace(models.Model):
    """A tenant: one software vendor or consultancy using AdoptReady."""

    name = models.CharField(max_length=200, validators=[validate_single_line_text])
    slug = models.SlugField(max_length=60, unique=True)
    default_language = models.CharField(
        "default survey language",
        max_length=8,
        choices=SURVEY_LANGUAGES,
        default="en",
        help_text="Invitations without a language of their own get this one.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "readiness_workspace"  # moved from readiness; the table keeps its name
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "readiness_membership"  # moved from readiness; the table keeps its name
        ordering = ["workspace__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} as {self.role}"


class MemberInvitation(models.Model):
    """An e-mailed invitation to join a workspace with a role; the person accepts by its link.

    Only the SHA-256 of the link's secret is stored. Nobody becomes a member without accepting.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="member_invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.workspace} as {self.role}"


class WorkspaceQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> WorkspaceQuerySet:
        """Return only the rows that belong to `workspace`."""
        return self.filter(workspace=workspace)


class WorkspaceOwned(models.Model):
    """Abstract base of every tenant-owned model: a direct workspace key scopes every query."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        abstract = True
