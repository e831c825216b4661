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


# --- Confidentiality -----------------------------------------------------------------------
# What the welcome page promises and what the responses export may hold depend on the scoring
# layer (the minimum group size of the workspace's model, the responses its figures show).
# Scoring registers both readers in its AppConfig.ready(); without them readiness assumes the
# default minimum and that no response has been shown yet, which only ever hides more.

DEFAULT_MIN_GROUP_SIZE = 3

_min_group_size: list[Callable[[int], int]] = []
_responses_shown: list[Callable[[int], int]] = []


def provide_confidentiality(
    *, min_group_size: Callable[[int], int], responses_shown: Callable[[int], int]
) -> None:
    """Register `min_group_size(workspace_id)` and `responses_shown(assessment_id)`."""
    _min_group_size[:] = [min_group_size]
    _responses_shown[:] = [responses_shown]


def min_group_size(*, workspace_id: int) -> int:
    """Return the smallest group the workspace's pages, exports and e-mails may show."""
    return _min_group_size[0](workspace_id) if _min_group_size else DEFAULT_MIN_GROUP_SIZE


def responses_shown(*, assessment_id: int) -> int:
    """Return how many of the assessment's responses (first submitted first) were shown."""
    return _responses_shown[0](assessment_id) if _responses_shown else 0
