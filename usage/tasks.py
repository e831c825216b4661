"""Celery tasks of usage imports: thin wrappers that take an id and call a service.

Every task is idempotent (an import that already finished is left alone) and acknowledged late
(a task lost with its worker runs again).
"""

from __future__ import annotations

from celery import shared_task

from usage import services


@shared_task(acks_late=True)
def usage_import_process_task(usage_import_id: int) -> None:
    """Process a queued usage import (a second run finds it finished and does nothing)."""
    services.usage_import_process(usage_import_id=usage_import_id)


@shared_task(acks_late=True)
def expire_usage_uploads() -> int:
    """Discard uploads nobody confirmed within USAGE_UPLOAD_EXPIRY_HOURS; return how many."""
    return services.usage_uploads_expire()


@shared_task(acks_late=True)
def requeue_stalled_usage_imports() -> int:
    """Queue again imports confirmed over ten minutes ago that no worker started; return how
    many."""
    return services.usage_imports_requeue()
