"""The shared workspace and permission check that every signed-in view goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workspaces.permissions import Action, role_can

View = Callable[..., HttpResponse]


def workspace_view(action: Action = Action.VIEW) -> Callable[[View], View]:
    """Require a signed-in member of the current workspace whose role allows `action`.

    Views behind it read `request.workspace` and fetch objects only through workspace-scoped
    selectors, so an id from another workspace answers 404 exactly like a missing one.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.workspace is None:
                return render(request, "workspaces/no_workspace.html", status=403)
            if not role_can(request.membership.role, action):
                raise PermissionDenied(
                    "Your role in this workspace does not allow this. Ask a workspace admin."
                )
            return view(request, *args, **kwargs)

        wrapped.workspace_action = action
        return wrapped

    return decorator
