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
    # Change plans (SPEC §10): write actions and their log; edit the action library.
    MANAGE_PLANS = "manage_plans"
    EDIT_LIBRARY = "edit_library"
    # A read-only link to a project's report for the customer's sponsor (SPEC §10).
    SHARE_REPORTS = "share_reports"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.CONSULTANT: frozenset(
        {
            Action.VIEW,
            Action.EXPORT,
            Action.MANAGE_PROJECTS,
            Action.RUN_ASSESSMENTS,
            Action.IMPORT_USAGE,
            Action.MANAGE_PLANS,
        }
    ),
    Role.CSM: frozenset({Action.VIEW, Action.EXPORT, Action.MANAGE_PLANS, Action.SHARE_REPORTS}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


def role_can(role: str | None, action: Action | str) -> bool:
    """Return whether a member with `role` may perform `action`."""
    return role is not None and Action(action) in ROLE_ACTIONS.get(role, frozenset())
