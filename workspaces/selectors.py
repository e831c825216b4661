"""Reads of workspaces and members, and the one helper that scopes a read to a workspace."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from workspaces.models import Membership, Workspace

M = TypeVar("M")


def get_in_workspace(queryset: QuerySet[M], workspace: Workspace, pk: object) -> M:
    """Return the object with `pk` in `workspace`, or raise 404 as if it did not exist."""
    return get_object_or_404(queryset.filter(workspace=workspace), pk=pk)


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user")


def membership_get(*, workspace: Workspace, membership_id: int) -> Membership:
    return get_in_workspace(Membership.objects.select_related("user"), workspace, membership_id)
