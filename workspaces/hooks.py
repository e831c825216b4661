"""The hook by which higher layers give a new workspace what it needs from them.

Workspaces sit at the bottom and import nothing above them: readiness (the default survey
template) and scoring (the scoring model) register a handler in their `AppConfig.ready()`, and
`workspace_create` runs every handler inside its own transaction, so a workspace is never left
half set up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workspaces.models import Workspace

WorkspaceHandler = Callable[["Workspace"], object]

_created_handlers: list[WorkspaceHandler] = []


def on_workspace_created(handler: WorkspaceHandler) -> WorkspaceHandler:
    """Register `handler(workspace)` to run in the transaction that creates a workspace."""
    if handler not in _created_handlers:
        _created_handlers.append(handler)
    return handler


def workspace_created(workspace: Workspace) -> None:
    """Run every registered handler for a workspace that was just created."""
    for handler in _created_handlers:
        handler(workspace)
