"""Pages for accounts, projects, assessments, survey templates and workspace members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from readiness import selectors, services
from readiness.decorators import workspace_view
from readiness.forms import (
    AccountForm,
    AssessmentForm,
    MemberAddForm,
    MemberRoleForm,
    ProjectForm,
    TemplateWordingForm,
)
from readiness.middleware import SESSION_KEY
from readiness.models import Membership, Role
from readiness.permissions import Action
from scoring import selectors as scoring_selectors


@workspace_view()
def home(request: HttpRequest) -> HttpResponse:
    return redirect("readiness:project_list")


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


# --- Accounts -----------------------------------------------------------------------------


@workspace_view()
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = selectors.account_list(workspace=request.workspace)
    return render(request, "readiness/account_list.html", {"accounts": accounts})


@workspace_view()
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, account_id=account_id)
    projects = selectors.project_list(workspace=request.workspace).filter(account=account)
    return render(
        request, "readiness/account_detail.html", {"account": account, "projects": projects}
    )


@workspace_view(Action.MANAGE_PROJECTS)
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        account = services.account_create(workspace=request.workspace, **form.cleaned_data)
        messages.success(request, f"Account “{account.name}” created.")
        return redirect("readiness:account_detail", account_id=account.pk)
    return render(request, "readiness/form_page.html", {"form": form, "title": "New account"})


@workspace_view(Action.MANAGE_PROJECTS)
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, account_id=account_id)
    form = AccountForm(request.POST or None, instance=account, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        services.account_update(account=account, **form.cleaned_data)
        messages.success(request, "Account saved.")
        return redirect("readiness:account_detail", account_id=account.pk)
    title = f"Edit {account.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


# --- Projects -----------------------------------------------------------------------------


@workspace_view()
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.project_list(workspace=request.workspace)
    return render(request, "readiness/project_list.html", {"projects": projects})


@workspace_view()
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.project_get(workspace=request.workspace, project_id=project_id)
    assessments = selectors.assessment_list_for_project(project=project)
    return render(
        request,
        "readiness/project_detail.html",
        {
            "project": project,
            "assessments": assessments,
            "usage": scoring_selectors.usage_panel(project=project),
        },
    )


@workspace_view(Action.MANAGE_PROJECTS)
def project_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if account_id := request.GET.get("account", "").strip():
        if account_id.isdigit():
            initial["account"] = selectors.account_get(
                workspace=request.workspace, account_id=int(account_id)
            )
    form = ProjectForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(workspace=request.workspace, **form.cleaned_data)
        messages.success(request, f"Project “{project.name}” created.")
        return redirect("readiness:project_detail", project_id=project.pk)
    return render(request, "readiness/form_page.html", {"form": form, "title": "New project"})


@workspace_view(Action.MANAGE_PROJECTS)
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.project_get(workspace=request.workspace, project_id=project_id)
    form = ProjectForm(request.POST or None, instance=project, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        services.project_update(project=project, **form.cleaned_data)
        messages.success(request, "Project saved.")
        return redirect("readiness:project_detail", project_id=project.pk)
    title = f"Edit {project.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


# --- Assessments --------------------------------------------------------------------------


@workspace_view(Action.RUN_ASSESSMENTS)
def assessment_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.project_get(workspace=request.workspace, project_id=project_id)
    initial = {"template": services.default_template_ensure(workspace=request.workspace)}
    form = AssessmentForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        assessment = services.assessment_create(project=project, **form.cleaned_data)
        messages.success(request, f"Assessment “{assessment.name}” created as a draft.")
        return redirect("readiness:assessment_detail", assessment_id=assessment.pk)
    title = f"New assessment for {project.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


@workspace_view()
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)
    invitations = selectors.invitation_list(assessment=assessment)
    return render(
        request,
        "readiness/assessment_detail.html",
        {"assessment": assessment, "invitations": invitations},
    )


@workspace_view(Action.RUN_ASSESSMENTS)
def assessment_edit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)
    form = AssessmentForm(request.POST or None, instance=assessment, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(assessment=assessment, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Assessment saved.")
            return redirect("readiness:assessment_detail", assessment_id=assessment.pk)
    title = f"Edit {assessment.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


# --- Survey templates ---------------------------------------------------------------------


@workspace_view()
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.template_list(workspace=request.workspace)
    return render(request, "readiness/template_list.html", {"templates": templates})


@workspace_view()
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(workspace=request.workspace, template_id=template_id)
    return render(request, "readiness/template_detail.html", {"template": template})


@workspace_view(Action.MANAGE_WORKSPACE)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(workspace=request.workspace, template_id=template_id)
    form = TemplateWordingForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        revised = services.template_revise(template=template, wordings=form.cleaned_data)
        if revised.pk != template.pk:
            messages.success(
                request,
                f"The template is in use, so your wording was saved as version {revised.version}.",
            )
        else:
            messages.success(request, "Wording saved.")
        return redirect("readiness:template_detail", template_id=revised.pk)
    title = f"Edit {template}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


# --- Members ------------------------------------------------------------------------------


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
        return redirect("readiness:member_list")
    members = selectors.member_list(workspace=request.workspace)
    return render(
        request,
        "readiness/member_list.html",
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
    return redirect("readiness:member_list")
