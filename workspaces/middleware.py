"""Attach the signed-in user's current workspace and membership to every request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

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


NUL_IN_INPUT = (
    "What you sent holds a NUL character (\\0), which no text ever has — it usually comes "
    "from pasting binary data. Go back, remove it and send the form again."
)


NUL_IN_INPUT_API = (
    "A query parameter or form field holds a NUL character (\\0), which no text ever has: "
    "remove it and send the request again."
)


class RefuseNulCharactersMiddleware:
    """Answer 400 with a clear page to any query or form field holding a NUL character.

    PostgreSQL cannot store NUL in text, and views that read a field without a Django form
    (the survey's answers, the workspace switch) would fail on it with a 500. One check here
    covers every page; forms refuse other bad input field by field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request.GET) or (request.method == "POST" and _holds_nul(request.POST)):
            if request.path.startswith(settings.API_PATH_PREFIX):
                # API callers get the API's error shape, not a page.
                return JsonResponse(
                    {"code": "nul_in_input", "message": NUL_IN_INPUT_API, "errors": {}},
                    status=400,
                )
            return render(request, "400_input.html", {"message": NUL_IN_INPUT}, status=400)
        return self.get_response(request)


def _holds_nul(data: object) -> bool:
    return any(
        "\0" in key or any("\0" in value for value in values) for key, values in data.lists()
    )


class PrivatePagesMiddleware:
    """Mark every page served to a signed-in user `Cache-Control: private, no-store`.

    Such pages show a workspace's data: no shared proxy may keep them, and the browser must
    not show them again from its cache after signing out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
