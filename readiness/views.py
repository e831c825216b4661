"""Pages for accounts, projects, assessments, survey templates and workspace members."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from readiness import csv_io, selectors, services, tasks
from readiness.forms import (
    AccountForm,
    AssessmentForm,
    InvitationForm,
    InvitationListForm,
    ProjectForm,
    ResponseImportForm,
    TemplateWordingForm,
)
from readiness.models import Assessment, AssessmentState
from workspaces.csv import write_csv
from workspaces.decorators import workspace_view
from workspaces.permissions import Action

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
        return redirect("reports:project_detail", project_id=project.pk)
    return render(request, "readiness/form_page.html", {"form": form, "title": "New project"})


@workspace_view(Action.MANAGE_PROJECTS)
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.project_get(workspace=request.workspace, project_id=project_id)
    form = ProjectForm(request.POST or None, instance=project, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        services.project_update(project=project, **form.cleaned_data)
        messages.success(request, "Project saved.")
        return redirect("reports:project_detail", project_id=project.pk)
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
    return _assessment_page(request, assessment)


def _assessment_page(
    request: HttpRequest, assessment: Assessment, status: int = 200, **forms: object
) -> HttpResponse:
    """Render the consultant's assessment page, with any bound form that has errors."""
    context = {
        "assessment": assessment,
        "invitations": selectors.invitation_list(assessment=assessment),
        "rates": selectors.response_rates(assessment=assessment),
        "concerns": selectors.concern_list(assessment=assessment),
        "due_reminders": services.invitations_due_reminder(assessment=assessment).count(),
        "invitation_form": InvitationForm(assessment=assessment),
        "list_form": InvitationListForm(),
        "import_form": ResponseImportForm(),
        **forms,
    }
    return render(request, "readiness/assessment_detail.html", context, status=status)


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


# --- Assessment lifecycle, invitations and responses --------------------------------------


def _assessment(request: HttpRequest, assessment_id: int) -> Assessment:
    return selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)


def _back(assessment: Assessment) -> HttpResponse:
    return redirect("readiness:assessment_detail", assessment_id=assessment.pk)


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def assessment_open(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    try:
        services.assessment_open(assessment=assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The assessment is open. Send the invitations when ready.")
    return _back(assessment)


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def assessment_close(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    try:
        services.assessment_close(assessment=assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The assessment is closed: its links no longer take answers.")
    return _back(assessment)


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def invitations_send(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    if assessment.state != AssessmentState.OPEN:
        messages.error(request, "Open the assessment before sending invitations.")
        return _back(assessment)
    unsent = assessment.invitations.filter(sent_at__isnull=True, submitted_at__isnull=True).count()
    if not unsent:
        messages.info(request, "Everyone has already been sent an invitation.")
        return _back(assessment)
    tasks.send_invitations.delay_on_commit(assessment.pk)
    messages.success(request, f"Invitations are on their way to {_people(unsent)}.")
    return _back(assessment)


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def reminders_send(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    if assessment.state != AssessmentState.OPEN:
        messages.error(request, "Only an open assessment's invitees can be reminded.")
        return _back(assessment)
    due = services.invitations_due_reminder(assessment=assessment).count()
    if not due:
        messages.info(
            request,
            "No one is due a reminder yet. Reminders go to people who have not submitted, "
            f"at least {assessment.reminder_interval_days} "
            f"day{pluralize(assessment.reminder_interval_days)} after their invitation or last "
            f"reminder, and at most {assessment.max_reminders} "
            f"time{pluralize(assessment.max_reminders)} each.",
        )
        return _back(assessment)
    tasks.send_reminders.delay_on_commit(assessment.pk)
    messages.success(request, f"Reminders are on their way to {_people(due)}.")
    return _back(assessment)


@workspace_view(Action.RUN_ASSESSMENTS)
def invitation_add(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    form = InvitationForm(request.POST or None, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_add_list(
                assessment=assessment,
                rows=[csv_io.Row(1, {**form.cleaned_data})],
            )[0]
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, f"{invitation.name} is invited.")
            return _back(assessment)
    title = f"Invite someone to {assessment.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


@workspace_view(Action.RUN_ASSESSMENTS)
def invitation_add_list(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    form = InvitationListForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            added = services.invitation_add_list(
                assessment=assessment, rows=form.cleaned_data["rows"]
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, f"{_people(len(added))} invited.")
            return _back(assessment)
    context = {
        "form": form,
        "errors": errors,
        "assessment": assessment,
        "title": f"Invite a list to {assessment.name}",
        "nothing_done": "Nobody was invited: correct these lines and try again.",
    }
    return render(request, "readiness/upload_page.html", context, status=400 if errors else 200)


@workspace_view(Action.RUN_ASSESSMENTS)
def responses_import(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    form = ResponseImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.responses_import(
                assessment=assessment, text=form.cleaned_data["file"]
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                f"{result.imported} response{pluralize(result.imported)} imported"
                + (
                    f", {_people(result.invited)} added to the invitations."
                    if result.invited
                    else "."
                ),
            )
            return _back(assessment)
    context = {
        "form": form,
        "errors": errors,
        "assessment": assessment,
        "title": f"Import responses into {assessment.name}",
        "nothing_done": "Nothing was imported: correct the file and upload it again.",
    }
    return render(request, "readiness/upload_page.html", context, status=400 if errors else 200)


# Named, per-person answers: for those who run the assessment, not for every exporter (the
# report and its exports are the anonymous, suppressed view).
@workspace_view(Action.RUN_ASSESSMENTS)
def responses_export(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment(request, assessment_id)
    header, rows = selectors.response_export(assessment=assessment)
    response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
    filename = slugify(f"{assessment.project.name}-{assessment.name}") or "responses"
    response["Content-Disposition"] = f'attachment; filename="{filename}-responses.csv"'
    return response


@workspace_view(Action.RUN_ASSESSMENTS)
def invitation_link(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(workspace=request.workspace, invitation_id=invitation_id)
    link = services.invitation_link(invitation=invitation)
    response = render(
        request, "readiness/invitation_link.html", {"invitation": invitation, "link": link}
    )
    response["Cache-Control"] = "no-store"
    return response


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(workspace=request.workspace, invitation_id=invitation_id)
    assessment = invitation.assessment
    if invitation.submitted_at is not None:
        messages.info(request, f"{invitation.name} has already submitted; nothing was sent.")
    elif assessment.state != AssessmentState.OPEN:
        messages.error(request, "Open the assessment before sending invitations.")
    else:
        tasks.send_invitations.delay_on_commit(assessment.pk, [invitation.pk], resend=True)
        messages.success(request, f"The invitation is on its way to {invitation.email} again.")
    return _back(assessment)


def _people(count: int) -> str:
    """Return "1 person" or "N people", for messages."""
    return f"{count} {'person' if count == 1 else 'people'}"
