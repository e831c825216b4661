"""The API's part of the demo data: a token to try the API with, and a webhook with its log.

Registered with `reports.hooks.on_demo_seed` in `ApiConfig.ready()`. No request leaves the
machine: the subscription is stored directly (creating it through the service would resolve
its host, which under `.example` never exists), its log is written as a receiver would have
answered, and it is paused after the failure, as a real one would be, so no event of the demo
tries to reach it until someone resumes it.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from api import services, webhooks
from api.models import (
    ApiToken,
    DeliveryStatus,
    TokenScope,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from plans import services as plan_services
from plans.models import OPEN_STATUSES, Action
from scoring.models import ScoreSnapshot
from workspaces.models import Membership, Role, Workspace

DEMO_TOKEN_NAME = "Gainsight health sync (demo)"
DEMO_WEBHOOK_URL = "https://hooks.northwind.example/adoptready"
DEMO_EVENTS = [WebhookEvent.SCORE_CHANGED, WebhookEvent.BAND_CHANGED, WebhookEvent.ACTION_OVERDUE]


def demo_api_seed(workspace: Workspace) -> list[str]:
    """Give the demo workspace an API token and a webhook subscription, once each."""
    admin = (
        Membership.objects.filter(workspace=workspace, role=Role.ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    creator = admin.user if admin else None
    lines = []
    token = ApiToken.objects.filter(workspace=workspace, name=DEMO_TOKEN_NAME).first()
    if token is None:
        issued = services.api_token_create(
            workspace=workspace, created_by=creator, name=DEMO_TOKEN_NAME, scope=TokenScope.WRITE
        )
        lines += [
            f"API token “{DEMO_TOKEN_NAME}” (write scope), shown this once:",
            f"  {issued.secret}",
        ]
    else:
        lines.append(
            f"API token “{DEMO_TOKEN_NAME}” already exists ({token.prefix}…): its secret was "
            "shown when it was made; create another on the API tokens page."
        )
    if not WebhookSubscription.objects.filter(workspace=workspace, url=DEMO_WEBHOOK_URL).exists():
        _seed_webhook(workspace=workspace, creator=creator)
        lines.append(f"Webhook to {DEMO_WEBHOOK_URL}, with a delivered and a failed delivery.")
    return lines


def _seed_webhook(*, workspace: Workspace, creator: AbstractBaseUser | None) -> None:
    now = timezone.now()
    subscription = WebhookSubscription(
        workspace=workspace,
        created_by=creator,
        url=DEMO_WEBHOOK_URL,
        description="CRM health sync (demo: this host does not exist)",
        events=list(DEMO_EVENTS),
        secret=webhooks.new_secret(),
        created_at=now - datetime.timedelta(days=4),
    )
    subscription.full_clean()
    subscription.save()
    snapshot = (
        ScoreSnapshot.objects.filter(workspace=workspace)
        .exclude(score=None)
        .order_by("-created_at", "-id")
        .first()
    )
    if snapshot is not None:
        sent = now - datetime.timedelta(days=3)
        _delivery(
            subscription,
            WebhookEvent.SCORE_CHANGED,
            {
                "project": snapshot.project_id,
                "snapshot": snapshot.pk,
                "calculated_at": snapshot.created_at.isoformat(),
                "score": snapshot.score,
                "previous_score": None,
                "band": snapshot.band,
            },
            created_at=sent,
            status=DeliveryStatus.SUCCEEDED,
            attempts=1,
            response_status=200,
            response_time_ms=184,
            response_excerpt='{"received": true}',
            delivered_at=sent,
            last_attempt_at=sent,
        )
    overdue = (
        Action.objects.filter(
            workspace=workspace, status__in=OPEN_STATUSES, due_on__lt=timezone.localdate()
        )
        .select_related("owner__user", "project")
        .order_by("due_on", "pk")
        .first()
    )
    if overdue is not None:
        # Its receiver answered 503 for a day: the delivery failed and the subscription paused.
        first = now - datetime.timedelta(days=2)
        last = first + datetime.timedelta(seconds=sum(webhooks.RETRY_DELAYS))
        _delivery(
            subscription,
            WebhookEvent.ACTION_OVERDUE,
            plan_services.action_overdue_data(action=overdue, today=first.date()),
            created_at=first,
            status=DeliveryStatus.FAILED,
            attempts=webhooks.MAX_ATTEMPTS,
            response_status=503,
            response_time_ms=2310,
            response_excerpt="Service Unavailable",
            last_attempt_at=last,
        )
        reason = (
            f"Paused on {last:%Y-%m-%d %H:%M} UTC: a {WebhookEvent.ACTION_OVERDUE} delivery "
            f"failed for a day ({webhooks.MAX_ATTEMPTS} attempts)."
        )
    else:
        last, reason = now, "Paused: the demo's receiver does not exist."
    subscription.paused_at = last
    subscription.pause_reason = reason
    subscription.save(update_fields=["paused_at", "pause_reason"])


def _delivery(
    subscription: WebhookSubscription,
    event_type: str,
    data: dict,
    *,
    created_at: datetime.datetime,
    **outcome: object,
) -> WebhookDelivery:
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event_type,
        "created_at": created_at.isoformat(),
        "data": data,
    }
    return WebhookDelivery.objects.create(
        workspace_id=subscription.workspace_id,
        subscription=subscription,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        created_at=created_at,
        **outcome,
    )
