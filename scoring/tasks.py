"""Celery tasks of scoring: thin wrappers that take an id and call a service.

Every task is idempotent (a recalculation whose inputs did not change stores nothing), is
acknowledged late (a task lost with its worker runs again) and retries database errors with
backoff.
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
