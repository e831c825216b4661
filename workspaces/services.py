"""Every write of workspaces and their members."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from workspaces import hooks
from workspaces.models import (
    SURVEY_LANGUAGE_CODES,
    MemberInvitation,
    Membership,
    Role,
    Workspace,
)

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
def workspace_set_default_language(*, workspace: Workspace, language: str) -> Workspace:
    """Set the language of invitations added without one (existing ones keep theirs)."""
    if language not in SURVEY_LANGUAGE_CODES:
        raise ValidationError(f"“{language}” is not a survey language: use en, de, fr or es.")
    workspace.default_language = language
    workspace.full_clean()
    workspace.save(update_fields=["default_language"])
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


# --- Member invitations --------------------------------------------------------------------

MEMBER_INVITATION_DAYS = 7
INVITATION_NOT_VALID = (
    "This invitation link is not valid any more. Ask an admin to invite you again."
)
INVITATION_FOR_SOMEONE_ELSE = (
    "This invitation was sent to another e-mail address. Sign out, then open the link again "
    "and sign in as the person it was sent to."
)


def member_invitation_token_hash(token: str) -> str:
    """Return the SHA-256 hex digest under which an invitation's secret is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def member_invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str,
    invited_by: AbstractBaseUser | None,
    connection: Any = None,
) -> MemberInvitation:
    """Invite `email` to join `workspace` with `role` and e-mail the link after commit.

    Whether anyone has an account with that address changes nothing here, so the admin's page
    never tells (no enumeration across workspaces). An earlier pending invitation of the same
    address is replaced.
    """
    email = email.strip().lower()
    MemberInvitation.objects.filter(
        workspace=workspace, email=email, accepted_at__isnull=True
    ).delete()
    token = secrets.token_urlsafe(32)
    invitation = MemberInvitation(
        workspace=workspace,
        email=email,
        role=role,
        token_hash=member_invitation_token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + datetime.timedelta(days=MEMBER_INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(
        partial(_send_member_invitation, invitation, token, connection), robust=True
    )
    return invitation


def _send_member_invitation(invitation: MemberInvitation, token: str, connection: Any) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("workspaces:member_join", args=[token])
    context = {
        "workspace": invitation.workspace.name,
        "role": invitation.get_role_display(),
        "link": link,
        "days": MEMBER_INVITATION_DAYS,
    }
    send_mail(
        f"You are invited to join {invitation.workspace.name} on AdoptReady",
        render_to_string("workspaces/email/member_invitation.txt", context),
        None,
        [invitation.email],
        connection=connection,
    )


def member_invitation_by_token(token: str) -> MemberInvitation | None:
    """Return the pending, unexpired invitation whose link holds `token`, or None."""
    return (
        MemberInvitation.objects.select_related("workspace")
        .filter(
            token_hash=member_invitation_token_hash(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def member_invitation_has_account(invitation: MemberInvitation) -> bool:
    """Return whether someone already has an account with the invited address."""
    return get_user_model().objects.filter(email__iexact=invitation.email).exists()


@transaction.atomic
def member_invitation_accept(*, invitation: MemberInvitation, user: AbstractBaseUser) -> Membership:
    """Make `user` (whose e-mail is the invited one) a member with the invited role."""
    locked = MemberInvitation.objects.select_for_update().filter(
        pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=timezone.now()
    )
    invitation = locked.first()
    if invitation is None:
        raise ValidationError(INVITATION_NOT_VALID)
    if user.email.strip().lower() != invitation.email:
        raise ValidationError(INVITATION_FOR_SOMEONE_ELSE)
    membership = Membership.objects.filter(workspace=invitation.workspace, user=user).first()
    if membership is None:
        membership = Membership(workspace=invitation.workspace, user=user, role=invitation.role)
        membership.full_clean()
        membership.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def member_invitation_accept_new(
    *, invitation: MemberInvitation, username: str, password: str
) -> AbstractBaseUser:
    """Create the invited person's account (password already validated) and accept."""
    user = get_user_model()(username=username, email=invitation.email)
    user.set_password(password)
    user.full_clean()
    user.save()
    member_invitation_accept(invitation=invitation, user=user)
    return user
