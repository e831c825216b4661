"""Attach the signed-in user's current workspace and membership to every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from workspaces.models import Membership

SESSION_KEY = "workspace_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """Return the membership of the workspace chosen in the session, or the one joined first."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=request.user).select_related("workspace")
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(workspace_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("created_at", "pk").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.workspace_id
    return membership


class CurrentWorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership
        request.workspace = membership.workspace if membership else None
        return self.get_response(request)
