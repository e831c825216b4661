"""Webhooks: subscriptions, signed deliveries, retries for a day, pausing, redelivery.

A delivery is a POST of the event as JSON with the header
`AdoptReady-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`.
Targets that resolve to private, loopback or link-local addresses are refused, both when a
subscription is saved and on the connected socket of every attempt (a name may resolve
elsewhere later); WEBHOOK_ALLOW_LOOPBACK lets tests use a receiver on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from workspaces.events import Event
from workspaces.models import Membership, Role, Workspace

SIGNATURE_HEADER = "AdoptReady-Signature"
USER_AGENT = "AdoptReady-Webhooks/1"
EXCERPT = 500


def _retry_delays() -> tuple[int, ...]:
    """Return the waits (seconds) before each retry: doubling from a minute, at most four
    hours apart, until a day has passed since the first attempt."""
    delays, total, step = [], 0, 0
    while total < 24 * 3600:
        delay = min(60 * 2**step, 4 * 3600)
        delays.append(delay)
        total += delay
        step += 1
    return tuple(delays)


RETRY_DELAYS = _retry_delays()
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


# --- Signing -------------------------------------------------------------------------------


def new_secret() -> str:
    """Return a new signing secret (256 random bits)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the AdoptReady-Signature header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_body(delivery: WebhookDelivery) -> bytes:
    """Return the JSON body of a delivery: the event's id, type, time and data."""
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


# --- Safe targets --------------------------------------------------------------------------


class UnsafeTarget(Exception):
    """The URL points at an address webhooks must not reach."""


def check_address(address: str) -> None:
    """Refuse private, loopback, link-local and other non-public addresses."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and settings.WEBHOOK_ALLOW_LOOPBACK:
        return
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        raise UnsafeTarget(
            f"The URL resolves to {ip}, a private, loopback or link-local address: webhooks "
            "only go to public addresses."
        )


def check_url(url: str) -> None:
    """Raise ValidationError unless `url` is an https URL (or http to an allowed loopback
    receiver) whose host resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Enter an https:// URL."})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (OSError, ValueError, UnicodeError):
        raise ValidationError(
            {"url": f"“{parts.hostname}” cannot be resolved: check the host name."}
        ) from None
    try:
        for address in addresses:
            check_address(address)
    except UnsafeTarget as unsafe:
        raise ValidationError({"url": str(unsafe)}) from None
    loopback_only = all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
    if parts.scheme != "https" and not (loopback_only and settings.WEBHOOK_ALLOW_LOOPBACK):
        raise ValidationError({"url": "Use an https:// URL: deliveries carry your data."})


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        check_address(self.sock.getpeername()[0])


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        # The address is checked on the connected socket, before any byte of TLS or HTTP.
        http.client.HTTPConnection.connect(self)
        check_address(self.sock.getpeername()[0])
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, int]:
    """POST `body` to `url`; return the status, the start of the answer and the time in ms.

    Redirects are not followed: a redirect could lead to an address that was never checked.
    """
    parts = urlsplit(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = _GuardedHTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _GuardedHTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
    finally:
        connection.close()
    return response.status, excerpt, int((time.monotonic() - started) * 1000)


# --- Subscriptions -------------------------------------------------------------------------


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [event for event in chosen if event not in WebhookEvent.values]
    if unknown or not chosen:
        raise ValidationError({"events": "Choose at least one of the listed events."})
    return chosen


@transaction.atomic
def webhook_subscription_create(
    *,
    workspace: Workspace,
    created_by: AbstractBaseUser | None,
    url: str,
    events: Iterable[str],
    description: str = "",
) -> WebhookSubscription:
    """Subscribe `url` to `events`; refuse a URL that webhooks must not reach."""
    check_url(url)
    subscription = WebhookSubscription(
        workspace=workspace,
        created_by=created_by,
        url=url,
        events=_clean_events(events),
        description=description.strip(),
        secret=new_secret(),
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_pause(
    *, subscription: WebhookSubscription, reason: str = "Paused by an admin."
) -> WebhookSubscription:
    """Stop sending to the subscription (and retrying) until it is resumed."""
    WebhookSubscription.objects.filter(pk=subscription.pk, paused_at__isnull=True).update(
        paused_at=timezone.now(), pause_reason=reason[:300]
    )
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def webhook_subscription_resume(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """Send the subscription's events again (past failed deliveries can be redelivered)."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(paused_at=None, pause_reason="")
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Delete the subscription with its delivery log."""
    subscription.delete()


# --- Deliveries ----------------------------------------------------------------------------


def _enqueue(delivery_ids: list[int]) -> None:
    from api.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay_on_commit(delivery_id)


def _subscribed(event: Event) -> list[int]:
    """Return the ids of the workspace's active subscriptions to the event's type.

    Hand-written: every recalculation that changes a score looks them up after its commit, and
    compiling the ORM statement cost more than running it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, events FROM {WebhookSubscription._meta.db_table} "
            "WHERE workspace_id = %s AND paused_at IS NULL ORDER BY created_at DESC, id DESC",
            [event.workspace_id],
        )
        rows = cursor.fetchall()
    return [
        pk
        for pk, events in rows
        if event.type in (json.loads(events) if isinstance(events, str | bytes) else events)
    ]


def webhook_event_record(event: Event) -> list[WebhookDelivery]:
    """Create a delivery of `event` for each active subscription to it, and queue them.

    Registered in ApiConfig.ready() as the handler of the domain events; runs after the commit
    that emitted the event.
    """
    subscription_ids = _subscribed(event)
    if not subscription_ids:
        return []
    payload = {
        "id": str(uuid.uuid4()),
        "type": event.type,
        "created_at": event.occurred_at,
        "data": dict(event.data),
    }
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                workspace_id=event.workspace_id,
                subscription_id=subscription_id,
                event_id=payload["id"],
                event_type=event.type,
                payload=payload,
            )
            for subscription_id in subscription_ids
        )
        _enqueue([delivery.pk for delivery in deliveries])
    return deliveries


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again as a new delivery (same event id, a fresh log entry)."""
    if delivery.subscription.is_paused:
        raise ValidationError("Resume the subscription before redelivering its events.")
    again = WebhookDelivery.objects.create(
        workspace_id=delivery.workspace_id,
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
    )
    _enqueue([again.pk])
    return again


def webhook_delivery_attempt(
    *, delivery_id: int, now: datetime.datetime | None = None
) -> int | None:
    """Send a delivery once; return the seconds to wait before retrying, or None when done.

    Done means delivered (a 2xx answer), given up after a day of failures (the subscription is
    then paused and its admins told), or nothing to do (already finished, or paused).
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .get(pk=delivery_id)
        )
        subscription = delivery.subscription
        if delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
            return None
        if subscription.is_paused:
            return None
        now = now or timezone.now()
        body = event_body(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature(
                secret=subscription.secret, timestamp=int(now.timestamp()), body=body
            ),
            "AdoptReady-Event": delivery.event_type,
            "AdoptReady-Delivery": str(delivery.pk),
        }
        status, error = None, ""
        try:
            status, excerpt, elapsed = post(subscription.url, body, headers)
        except UnsafeTarget as unsafe:
            error, excerpt, elapsed = str(unsafe), "", None
        except (OSError, http.client.HTTPException, ValueError) as failure:
            error, excerpt, elapsed = f"{type(failure).__name__}: {failure}", "", None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_status = status
        delivery.response_excerpt = excerpt[:EXCERPT]
        delivery.response_time_ms = elapsed
        delivery.error = error[:300]
        retry_in = None
        if status is not None and 200 <= status < 300:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            _pause_failing(subscription, delivery)
        else:
            retry_in = RETRY_DELAYS[delivery.attempts - 1]
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + datetime.timedelta(seconds=retry_in)
        delivery.save()
    return retry_in


def _pause_failing(subscription: WebhookSubscription, delivery: WebhookDelivery) -> None:
    """Pause a subscription whose delivery failed for a day, and tell its workspace's admins."""
    reason = (
        f"Paused on {timezone.now():%Y-%m-%d %H:%M} UTC: a {delivery.event_type} delivery "
        f"failed for a day ({delivery.attempts} attempts)."
    )
    webhook_subscription_pause(subscription=subscription, reason=reason)
    admins = list(
        Membership.objects.filter(workspace_id=subscription.workspace_id, role=Role.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    link = settings.SITE_URL.rstrip("/") + reverse(
        "api_pages:webhook_detail", args=[subscription.pk]
    )
    if admins:
        transaction.on_commit(
            lambda: send_mail(
                "AdoptReady paused a failing webhook",
                f"Deliveries to {subscription.url} have failed for a day, so the subscription "
                f"is paused. {reason}\n\nFix the receiver, then resume the subscription and "
                f"redeliver what it missed: {link}",
                None,
                admins,
                fail_silently=True,
            ),
            robust=True,
        )


def webhook_deliveries_requeue(*, older_than: datetime.timedelta) -> int:
    """Queue again the deliveries whose attempt is overdue by `older_than` (a lost message,
    a broker that was down, or the in-process default that does not wait to retry)."""
    cutoff = timezone.now() - older_than
    due = list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            subscription__paused_at__isnull=True,
        )
        # Pending ones by their creation, retrying ones by their planned attempt.
        .filter(
            Q(status=DeliveryStatus.PENDING, created_at__lt=cutoff)
            | Q(status=DeliveryStatus.RETRYING, next_attempt_at__lt=cutoff)
        )
        .values_list("pk", flat=True)[:1000]
    )
    _enqueue(due)
    return len(due)
