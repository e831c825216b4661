"""Who may call what: a token of the request's workspace, and `write` scope to change data."""

from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.models import ApiToken
from workspaces.models import Membership, Workspace
from workspaces.permissions import Action, role_can


def request_token(request: Request) -> ApiToken:
    """Return the request's API token (the permission below guarantees there is one)."""
    token = request.auth
    if not isinstance(token, ApiToken):
        raise NotAuthenticated(
            "Send an API token as `Authorization: Bearer <token>`.", code="not_authenticated"
        )
    return token


def request_workspace(request: Request) -> Workspace:
    """Return the workspace the request's token acts in."""
    return request_token(request).workspace


def token_may(token: ApiToken, action: Action) -> bool:
    """Return whether the token's creator, with their current role, may perform `action`.

    A token never grants its holder more than its creator has today: a creator who left the
    workspace or lost the role takes that access away from their tokens.
    """
    if token.created_by_id is None:
        return False
    role = (
        Membership.objects.filter(workspace_id=token.workspace_id, user_id=token.created_by_id)
        .values_list("role", flat=True)
        .first()
    )
    return role_can(role, action)


class TokenScopePermission(BasePermission):
    """Any valid token may read; only a `write` token may change anything."""

    def has_permission(self, request: Request, view: object) -> bool:
        token = request_token(request)
        if request.method in SAFE_METHODS or token.can_write:
            return True
        raise PermissionDenied(
            "This token has the read scope: create a token with the write scope to change data.",
            code="read_only_token",
        )
