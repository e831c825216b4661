"""Pages of the api app for workspace admins: API tokens (and webhooks)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api import selectors, services, webhooks
from api.forms import ApiTokenForm, WebhookSubscriptionForm
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


# --- Webhooks ------------------------------------------------------------------------------


@workspace_view(Action.MANAGE_WORKSPACE)
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhooks.webhook_subscription_create(
                workspace=request.workspace, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Webhook added. Verify its deliveries with the secret below.")
            return redirect("api_pages:webhook_detail", subscription_id=subscription.pk)
    subscriptions = selectors.webhook_subscription_list(workspace=request.workspace)
    return render(
        request,
        "api/webhook_list.html",
        {"form": form, "subscriptions": subscriptions},
        status=400 if form.errors else 200,
    )


@workspace_view(Action.MANAGE_WORKSPACE)
def webhook_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.webhook_subscription_get(
        workspace=request.workspace, subscription_id=subscription_id
    )
    deliveries = selectors.webhook_delivery_log(subscription=subscription)
    response = render(
        request,
        "api/webhook_detail.html",
        {"subscription": subscription, "deliveries": deliveries},
    )
    response["Cache-Control"] = "no-store"  # the page shows the signing secret
    return response


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def webhook_pause(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.webhook_subscription_get(
        workspace=request.workspace, subscription_id=subscription_id
    )
    if subscription.is_paused:
        webhooks.webhook_subscription_resume(subscription=subscription)
        messages.success(request, "Webhook resumed: new events are sent again.")
    else:
        webhooks.webhook_subscription_pause(subscription=subscription)
        messages.success(request, "Webhook paused: no event is sent until you resume it.")
    return redirect("api_pages:webhook_detail", subscription_id=subscription.pk)


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.webhook_subscription_get(
        workspace=request.workspace, subscription_id=subscription_id
    )
    webhooks.webhook_subscription_delete(subscription=subscription)
    messages.success(request, f"The webhook to {subscription.url} is deleted.")
    return redirect("api_pages:webhook_list")


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.webhook_delivery_get(workspace=request.workspace, delivery_id=delivery_id)
    try:
        webhooks.webhook_delivery_redeliver(delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {delivery.event_type} event is being sent again.")
    return redirect("api_pages:webhook_detail", subscription_id=delivery.subscription_id)
