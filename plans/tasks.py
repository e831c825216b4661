"""Background work for change plans: thin tasks that call a service."""

from __future__ import annotations

from celery import shared_task

from plans import services


@shared_task
def send_action_digests() -> int:
    """E-mail every owner their due and overdue actions, once a day (scheduled)."""
    return services.action_digests_send()


@shared_task
def announce_overdue_actions() -> int:
    """Emit `action.overdue` for the actions whose due date has just passed (scheduled)."""
    return services.action_overdue_announce()
