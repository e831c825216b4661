"""Background work for usage imports: thin tasks that take an id and call a service."""

from __future__ import annotations

from celery import shared_task

from scoring import services


@shared_task(acks_late=True)
def usage_import_process_task(usage_import_id: int) -> None:
    """Process a queued usage import (a second run finds it finished and does nothing)."""
    services.usage_import_process(usage_import_id=usage_import_id)
