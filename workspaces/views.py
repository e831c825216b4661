"""Pages of the workspace itself: switching workspaces, and its members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from workspaces import selectors, services
from workspaces.decorators import workspace_view
from workspaces.forms import MemberAddForm, MemberRoleForm
from workspaces.middleware import SESSION_KEY
from workspaces.models import Membership, Role
from workspaces.permissions import Action


@login_required
@require_POST
def workspace_switch(request: HttpRequest) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("workspace"),
        user=request.user,
        workspace__slug=request.POST.get("workspace", ""),
    )
    request.session[SESSION_KEY] = membership.workspace_id
    messages.success(request, f"You are now working in {membership.workspace.name}.")
    return redirect("home")


@workspace_view(Action.MANAGE_WORKSPACE)
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.membership_set(
            workspace=request.workspace,
            user=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
        )
        messages.success(request, "Member saved.")
        return redirect("workspaces:member_list")
    members = selectors.member_list(workspace=request.workspace)
    return render(
        request,
        "workspaces/member_list.html",
        {"members": members, "form": form, "role_choices": Role.choices},
    )


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def member_update(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = selectors.membership_get(workspace=request.workspace, membership_id=membership_id)
    form = MemberRoleForm(request.POST)
    try:
        if request.POST.get("remove"):
            services.membership_remove(membership=membership)
            messages.success(request, f"{membership.user} was removed from the workspace.")
        elif form.is_valid():
            services.membership_set(
                workspace=request.workspace, user=membership.user, role=form.cleaned_data["role"]
            )
            messages.success(request, f"{membership.user} is now {form.cleaned_data['role']}.")
        else:
            messages.error(request, "Choose one of the listed roles.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("workspaces:member_list")
