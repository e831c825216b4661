"""Workspaces (the tenants), their members and roles, and the base of every tenant-owned model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CONSULTANT = "consultant", "Consultant"
    CSM = "csm", "Customer-success manager"
    VIEWER = "viewer", "Viewer"


class Workspace(models.Model):
    """A tenant: one software vendor or consultancy using AdoptReady."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
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
