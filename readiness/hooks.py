"""Hooks by which readiness (and the usage layer above it) tell higher layers that evidence changed.

A lower layer never imports a higher one. Instead, a higher app registers a handler here in its
`AppConfig.ready()` (scoring registers the coalesced recalculation request), and the services
that change a project's evidence call `evidence_changed` inside their transaction; the handlers
run only after that transaction commits, so a task never sees uncommitted data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper

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
        # Named after the handler: Django logs a robust callback's failure by its __qualname__,
        # which a bare partial lacks (the logging itself would then raise).
        transaction.on_commit(update_wrapper(partial(handler, project_id), handler), robust=True)


# --- The minimum group size ----------------------------------------------------------------

# The engine's default, used until scoring registers the workspace's own setting.
DEFAULT_MIN_GROUP_SIZE = 3
MinGroupSizeProvider = Callable[[int], int]
_min_group_size_providers: list[MinGroupSizeProvider] = []


def provide_min_group_size(provider: MinGroupSizeProvider) -> MinGroupSizeProvider:
    """Register `provider(workspace_id)`, which returns the workspace's minimum group size.

    The scoring model (a higher layer) owns the setting; pages of this layer that show
    figures or free text from responses ask for it here.
    """
    if provider not in _min_group_size_providers:
        _min_group_size_providers.append(provider)
    return provider


def min_group_size(*, workspace_id: int) -> int:
    """Return the workspace's minimum group size: no group smaller than this is shown."""
    if not _min_group_size_providers:
        return DEFAULT_MIN_GROUP_SIZE
    return max(provider(workspace_id) for provider in _min_group_size_providers)


# --- The responses shown ------------------------------------------------------------------
# A round's figures cover its first submitted responses, growing by at least the minimum group
# size (no differencing over time); the de-identified responses export covers the same ones.
# Scoring, which stores the figures, registers the reader; without it nothing counts as shown.

ResponsesShownProvider = Callable[[int], int]
_responses_shown_providers: list[ResponsesShownProvider] = []


def provide_responses_shown(provider: ResponsesShownProvider) -> ResponsesShownProvider:
    """Register `provider(assessment_id)`: how many of its responses the figures have shown."""
    if provider not in _responses_shown_providers:
        _responses_shown_providers.append(provider)
    return provider


def responses_shown(*, assessment_id: int) -> int:
    """Return how many of the assessment's responses (first submitted first) were shown."""
    if not _responses_shown_providers:
        return 0
    return min(provider(assessment_id) for provider in _responses_shown_providers)
