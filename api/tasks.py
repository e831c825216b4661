"""Celery tasks of the api app: webhook deliveries."""

from __future__ import annotations

import datetime

from celery import shared_task

from api import webhooks


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> None:
    """Send one webhook delivery; on failure, retry with Celery's countdown (backoff)."""
    retry_in = webhooks.webhook_delivery_attempt(delivery_id=delivery_id)
    # In-process (no broker) a retry would run at once and block the request: the periodic
    # requeue sends it again later instead.
    if retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=retry_in)


@shared_task(acks_late=True)
def requeue_webhook_deliveries() -> int:
    """Queue again the deliveries whose attempt is overdue by ten minutes or more."""
    return webhooks.webhook_deliveries_requeue(older_than=datetime.timedelta(minutes=10))
