"""Pages of the api app for workspace admins: API tokens (and webhooks)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api import selectors, services
from api.forms import ApiTokenForm
from workspaces.decorators import workspace_view
from workspaces.permissions import Action


@workspace_view(Action.MANAGE_WORKSPACE)
def api_token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_create(
                workspace=request.workspace,
                created_by=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_token_list(workspace=request.workspace)
    response = render(
        request,
        "api/token_list.html",
        {"form": form, "tokens": tokens, "issued": issued},
        status=400 if form.errors else 200,
    )
    # The page may show a new token's secret once: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(workspace=request.workspace, token_id=token_id)
    services.api_token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("api_pages:api_token_list")
