"""Pages of the workspace itself: switching workspaces, and its members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from workspaces import selectors, services
from workspaces.decorators import workspace_view
from workspaces.forms import JoinForm, MemberInviteForm, MemberRoleForm
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
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.member_invitation_create(
            workspace=request.workspace, invited_by=request.user, **form.cleaned_data
        )
        # The same answer whether the address has an account or not.
        messages.success(
            request,
            f"An invitation was sent to {invitation.email}. They join once they accept it.",
        )
        return redirect("workspaces:member_list")
    context = {
        "members": selectors.member_list(workspace=request.workspace),
        "invitations": selectors.member_invitations_pending(workspace=request.workspace),
        "form": form,
        "role_choices": Role.choices,
    }
    return render(request, "workspaces/member_list.html", context)


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


@never_cache
@require_http_methods(["GET", "POST"])
def member_join(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation to a workspace: sign in first, or create an account (new person)."""
    invitation = services.member_invitation_by_token(token)
    if invitation is None:
        return _join_page(request, {"invalid": services.INVITATION_NOT_VALID}, status=404)
    context: dict[str, object] = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.member_invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as error:
                context["error"] = " ".join(error.messages)
                return _join_page(request, context, status=400)
            return _joined(request, invitation)
        return _join_page(request, context)
    if services.member_invitation_has_account(invitation):
        context["login_url"] = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return _join_page(request, context)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.member_invitation_accept_new(
            invitation=invitation,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _joined(request, invitation)
    context["form"] = form
    return _join_page(request, context, status=400 if form.errors else 200)


def _join_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "workspaces/join.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"  # the path holds the invitation's secret
    return response


def _joined(request: HttpRequest, invitation: object) -> HttpResponse:
    request.session[SESSION_KEY] = invitation.workspace_id
    messages.success(request, f"You joined {invitation.workspace.name}.")
    return redirect("home")
