"""Every write of workspaces and their members."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from workspaces import hooks
from workspaces.models import Membership, Role, Workspace

LAST_ADMIN = "A workspace needs at least one admin: make someone else admin first."


@transaction.atomic
def workspace_create(*, name: str, slug: str = "") -> Workspace:
    """Create a workspace with what the other apps give every workspace (default template…)."""
    workspace = Workspace(name=name, slug=slug or slugify(name)[:60])
    workspace.full_clean()
    workspace.save()
    hooks.workspace_created(workspace)
    return workspace


@transaction.atomic
def membership_set(*, workspace: Workspace, user: AbstractBaseUser, role: str) -> Membership:
    """Give `user` the `role` in `workspace`, adding the membership when there is none."""
    membership, _ = Membership.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    if role != Role.ADMIN:
        _refuse_losing_last_admin(membership)
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member, refusing to remove the workspace's last admin."""
    _refuse_losing_last_admin(membership)
    membership.delete()


def is_last_admin(membership: Membership) -> bool:
    """Return whether `membership` is its workspace's only admin."""
    if membership.role != Role.ADMIN:
        return False
    admins = Membership.objects.filter(workspace_id=membership.workspace_id, role=Role.ADMIN)
    return not admins.exclude(pk=membership.pk).exists()


def _refuse_losing_last_admin(membership: Membership) -> None:
    # Lock the workspace's admins so that two concurrent demotions cannot both pass the check.
    list(
        Membership.objects.select_for_update()
        .filter(workspace_id=membership.workspace_id, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if is_last_admin(membership):
        raise ValidationError(LAST_ADMIN)
