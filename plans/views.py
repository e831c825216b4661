"""Pages of change plans: the plan of a project, actions and their log, the library, my actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from plans import selectors, services
from plans.forms import (
    ActionForm,
    ActionUpdateForm,
    CheckpointRoundForm,
    DigestPreferenceForm,
    LibraryEntryForm,
)
from readiness import selectors as readiness_selectors
from scoring import selectors as scoring_selectors
from workspaces.decorators import workspace_view
from workspaces.permissions import Action as Permission
from workspaces.permissions import role_can


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The plan of a project ----------------------------------------------------------------


@workspace_view()
def plan(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    snapshot = scoring_selectors.snapshot_latest(project=project)
    context = {
        "project": project,
        "actions": selectors.plan_for_project(project=project),
        "recommendations": selectors.recommendations(project=project, snapshot=snapshot),
        "checkpoints": selectors.checkpoint_rounds(project=project),
        "today": timezone.localdate(),
    }
    return render(request, "plans/plan.html", context)


@workspace_view(Permission.RUN_ASSESSMENTS)
def checkpoint_round_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    checkpoint = selectors.checkpoint_get(project=project, code=request.GET.get("checkpoint", ""))
    previous = selectors.previous_round(project=project)
    people = selectors.previous_invitations(assessment=previous)
    initial = {
        "name": checkpoint.name,
        "opens_on": max(checkpoint.opens_on, timezone.localdate()),
        "closes_on": max(checkpoint.closes_on, timezone.localdate()),
        "invitations": list(people),
    }
    form = CheckpointRoundForm(request.POST or None, invitations=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.checkpoint_round_create(
                project=project,
                code=checkpoint.code,
                name=data["name"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                invitation_ids=[person.pk for person in data["invitations"]],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"“{assessment.name}” created as a draft: check the list, then open it."
            )
            return redirect("readiness:assessment_detail", assessment_id=assessment.pk)
    title = f"{checkpoint.name} for {project.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


@workspace_view(Permission.MANAGE_PLANS)
def action_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    initial = {"owner": request.membership, "target": request.GET.get("target", "")}
    form = ActionForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"“{action.title}” added to the change plan.")
            return redirect("plans:plan", project_id=project.pk)
    title = f"New action for {project.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


@require_POST
@workspace_view(Permission.MANAGE_PLANS)
def action_recommend(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    try:
        action, added = services.action_add_recommended(
            project=project,
            user=request.user,
            owner=request.membership,
            target=request.POST.get("target", ""),
            target_group=request.POST.get("target_group", ""),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("plans:plan", project_id=project.pk)
    if added:
        messages.success(request, f"“{action.title}” added to the change plan, owned by you.")
    else:
        messages.info(request, f"“{action.title}” is already in the change plan.")
    return redirect("plans:action_detail", action_id=action.pk)


# --- One action ---------------------------------------------------------------------------


@workspace_view()
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors.action_get(workspace=request.workspace, action_id=action_id)
    form = None
    if role_can(request.membership.role, Permission.MANAGE_PLANS):
        form = ActionUpdateForm(initial={"status": action.status})
    return _render_action(request, action, form)


def _render_action(request: HttpRequest, action, form, status: int = 200) -> HttpResponse:
    context = {
        "action": action,
        "form": form,
        "log": selectors.action_log(action=action),
        "effects": selectors.action_effect_history(action=action),
        "today": timezone.localdate(),
    }
    return render(request, "plans/action_detail.html", context, status=status)


@require_POST
@workspace_view(Permission.MANAGE_PLANS)
def action_update(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors.action_get(workspace=request.workspace, action_id=action_id)
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.action_status_change(action=action, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Update saved.")
            return redirect("plans:action_detail", action_id=action.pk)
    return _render_action(request, action, form, status=400)


@workspace_view(Permission.MANAGE_PLANS)
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors.action_get(workspace=request.workspace, action_id=action_id)
    form = ActionForm(request.POST or None, instance=action, project=action.project)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Action saved.")
            return redirect("plans:action_detail", action_id=action.pk)
    title = f"Edit “{action.title}”"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


# --- My actions ---------------------------------------------------------------------------


@workspace_view()
def my_actions(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "mine": selectors.my_actions(membership=request.membership, today=today),
        "digest_enabled": selectors.digest_enabled(membership=request.membership),
        "today": today,
    }
    return render(request, "plans/my_actions.html", context)


@require_POST
@workspace_view()
def my_digest(request: HttpRequest) -> HttpResponse:
    form = DigestPreferenceForm(request.POST)
    form.is_valid()
    enabled = form.cleaned_data.get("daily_digest", False)
    services.digest_preference_set(membership=request.membership, daily_digest=enabled)
    messages.success(request, "Daily e-mail turned on." if enabled else "Daily e-mail turned off.")
    return redirect("plans:my_actions")


# --- The action library -------------------------------------------------------------------


@workspace_view()
def library(request: HttpRequest) -> HttpResponse:
    groups = selectors.library_by_target(workspace=request.workspace)
    return render(request, "plans/library.html", {"groups": groups})


@workspace_view(Permission.EDIT_LIBRARY)
def library_entry_create(request: HttpRequest) -> HttpResponse:
    initial = {"target": request.GET.get("target", "")}
    form = LibraryEntryForm(request.POST or None, workspace=request.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.library_entry_create(workspace=request.workspace, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"“{entry.title}” added to the action library.")
            return redirect("plans:library")
    return render(request, "readiness/form_page.html", {"form": form, "title": "New library entry"})


@workspace_view(Permission.EDIT_LIBRARY)
def library_entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.library_entry_get(workspace=request.workspace, entry_id=entry_id)
    form = LibraryEntryForm(request.POST or None, instance=entry, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.library_entry_update(entry=entry, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Library entry saved.")
            return redirect("plans:library")
    return render(request, "plans/library_entry_edit.html", {"form": form, "entry": entry})


@require_POST
@workspace_view(Permission.EDIT_LIBRARY)
def library_entry_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.library_entry_get(workspace=request.workspace, entry_id=entry_id)
    services.library_entry_delete(entry=entry)
    messages.success(request, f"“{entry.title}” removed from the action library.")
    return redirect("plans:library")
