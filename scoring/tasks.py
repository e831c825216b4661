"""Celery tasks of scoring and usage imports: thin wrappers that take an id and call a service.

Every task is idempotent (a recalculation whose inputs did not change stores nothing; a usage
import that already finished is left alone), is acknowledged late (a task lost with its worker
runs again) and the recalculations retry database errors with backoff.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from scoring import services

RETRY_OPTIONS = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(soft_time_limit=60, time_limit=90, **RETRY_OPTIONS)
def recalculate_project(project_id: int) -> int | None:
    """Recalculate one project; return the new snapshot's id, or None when nothing changed."""
    snapshot = services.project_recalculate_queued(project_id=project_id)
    return snapshot.pk if snapshot is not None else None


@shared_task(soft_time_limit=10 * 60, time_limit=11 * 60, **RETRY_OPTIONS)
def sweep_dirty_projects() -> int:
    """Recalculate every project marked for recalculation; return how many snapshots changed."""
    return len(services.dirty_projects_recalculate().stored)


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60, **RETRY_OPTIONS)
def recalculate_open_projects() -> int:
    """Recalculate every open project (nightly); return how many snapshots changed."""
    return len(services.open_projects_recalculate().stored)


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
