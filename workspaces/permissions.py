"""What each workspace role may do: the one place where role permissions are decided."""

from __future__ import annotations

from enum import StrEnum

from workspaces.models import Role


class Action(StrEnum):
    VIEW = "view"
    EXPORT = "export"
    MANAGE_PROJECTS = "manage_projects"
    RUN_ASSESSMENTS = "run_assessments"
    IMPORT_USAGE = "import_usage"
    MANAGE_WORKSPACE = "manage_workspace"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.CONSULTANT: frozenset(
        {
            Action.VIEW,
            Action.EXPORT,
            Action.MANAGE_PROJECTS,
            Action.RUN_ASSESSMENTS,
            Action.IMPORT_USAGE,
        }
    ),
    Role.CSM: frozenset({Action.VIEW, Action.EXPORT}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


def role_can(role: str | None, action: Action | str) -> bool:
    """Return whether a member with `role` may perform `action`."""
    return role is not None and Action(action) in ROLE_ACTIONS.get(role, frozenset())
