"""Template context shared by every page: the current workspace, role and permissions."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from workspaces.models import Membership
from workspaces.permissions import Action, role_can


def workspace(request: HttpRequest) -> dict[str, object]:
    """Return the current workspace, the user's other workspaces and what the role may do."""
    membership = getattr(request, "membership", None)
    # The Django admin's URLs exist only when ADMIN_URL names a path (off in production).
    admin_enabled = bool(settings.ADMIN_URL)
    if membership is None:
        return {"current_workspace": None, "can": {}, "admin_enabled": admin_enabled}
    return {
        "admin_enabled": admin_enabled,
        "current_workspace": membership.workspace,
        "current_role": membership.get_role_display(),
        "other_memberships": Membership.objects.filter(user=request.user)
        .exclude(pk=membership.pk)
        .select_related("workspace"),
        "can": {action.value: role_can(membership.role, action) for action in Action},
    }
