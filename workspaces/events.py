"""Domain events (a score changed, an assessment closed, …) for the layers that react to them.

The services that change the state call `event_emit` inside their transaction; a higher layer
(the api app's webhooks) registers a handler in its `AppConfig.ready()`. Handlers run only after
the transaction commits, so nobody hears of a change that was rolled back, and a failing handler
never undoes or fails the caller's committed change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial, update_wrapper
from typing import Any

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Event:
    workspace_id: int
    type: str
    data: Mapping[str, Any]
    occurred_at: str = field(default_factory=lambda: timezone.now().isoformat())


EventHandler = Callable[[Event], None]

_handlers: list[EventHandler] = []


def on_event(handler: EventHandler) -> EventHandler:
    """Register `handler(event)` to run after each commit that emitted an event."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def event_emit(*, workspace_id: int, type: str, data: Mapping[str, Any]) -> None:
    """Hand the event to every registered handler once the current transaction commits."""
    event = Event(workspace_id=workspace_id, type=type, data=dict(data))
    for handler in _handlers:
        # Named after the handler: Django logs a robust callback's failure by its __qualname__,
        # which a bare partial lacks (the logging itself would then raise).
        transaction.on_commit(update_wrapper(partial(handler, event), handler), robust=True)
