"""Reads of the api app, scoped to one workspace."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from api.models import ApiToken, WebhookDelivery, WebhookSubscription
from api.services import hash_secret, split_token
from workspaces.models import Workspace
from workspaces.selectors import get_in_workspace


def api_token_list(*, workspace: Workspace) -> QuerySet[ApiToken]:
    """Return the workspace's tokens, newest first, with their creator."""
    return ApiToken.objects.for_workspace(workspace).select_related("created_by")


def api_token_get(*, workspace: Workspace, token_id: int) -> ApiToken:
    return get_in_workspace(ApiToken.objects.all(), workspace, token_id)


def api_token_find(*, raw: str) -> ApiToken | None:
    """Return the token whose whole text is `raw` (revoked and expired ones too), or None."""
    parts = split_token(raw)
    if parts is None:
        return None
    prefix, whole = parts
    token = ApiToken.objects.select_related("workspace").filter(prefix=prefix).first()
    # Compared in constant time, so the answer's timing tells nothing about the secret.
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(whole)):
        return None
    return token


def webhook_subscription_list(*, workspace: Workspace) -> QuerySet[WebhookSubscription]:
    """Return the workspace's webhook subscriptions, newest first."""
    return WebhookSubscription.objects.for_workspace(workspace).select_related("created_by")


def webhook_subscription_get(*, workspace: Workspace, subscription_id: int) -> WebhookSubscription:
    return get_in_workspace(WebhookSubscription.objects.all(), workspace, subscription_id)


def webhook_delivery_log(
    *, subscription: WebhookSubscription, limit: int = 50
) -> list[WebhookDelivery]:
    """Return the subscription's most recent deliveries, newest first."""
    return list(
        WebhookDelivery.objects.filter(
            workspace_id=subscription.workspace_id, subscription=subscription
        ).order_by("-created_at", "-id")[:limit]
    )


def webhook_delivery_get(*, workspace: Workspace, delivery_id: int) -> WebhookDelivery:
    return get_in_workspace(
        WebhookDelivery.objects.select_related("subscription"), workspace, delivery_id
    )
