"""The hook by which the api app (above reports) adds its part to the demo data.

`seed_demo` lives in reports and imports nothing above it: the api app registers a handler in
its `AppConfig.ready()` that gives the demo workspace an API token and a webhook subscription
with a delivery log, and returns the lines the command prints (a new token's secret, once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workspaces.models import Workspace

DemoHandler = Callable[["Workspace"], list[str]]

_demo_handlers: list[DemoHandler] = []


def on_demo_seed(handler: DemoHandler) -> DemoHandler:
    """Register `handler(workspace)`, run by `seed_demo` inside its transaction."""
    if handler not in _demo_handlers:
        _demo_handlers.append(handler)
    return handler


def demo_seed(workspace: Workspace) -> list[str]:
    """Run every registered handler for the demo workspace; return the lines to print."""
    lines: list[str] = []
    for handler in _demo_handlers:
        lines.extend(handler(workspace))
    return lines
