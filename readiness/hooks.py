"""Hooks by which readiness (and the usage layer above it) tell higher layers that evidence changed.

A lower layer never imports a higher one. Instead, a higher app registers a handler here in its
`AppConfig.ready()` (scoring registers the coalesced recalculation request), and the services
that change a project's evidence call `evidence_changed` inside their transaction; the handlers
run only after that transaction commits, so a task never sees uncommitted data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

EvidenceHandler = Callable[[int], None]

_evidence_handlers: list[EvidenceHandler] = []


def on_evidence_changed(handler: EvidenceHandler) -> EvidenceHandler:
    """Register `handler(project_id)` to run after a commit that changed a project's evidence."""
    if handler not in _evidence_handlers:
        _evidence_handlers.append(handler)
    return handler


def evidence_changed(*, project_id: int) -> None:
    """Run every registered handler for `project_id` once the current transaction commits.

    `robust=True`: a failing handler (the broker is down) is logged by Django and never undoes
    or fails the caller's committed change; the project stays marked for the periodic sweep.
    """
    for handler in _evidence_handlers:
        transaction.on_commit(partial(handler, project_id), robust=True)
