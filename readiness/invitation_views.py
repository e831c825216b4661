"""Pages that correct the invitations of an assessment (edit, withdraw, remind now), edit
its e-mails, and reopen a closed assessment."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from readiness import selectors, services, tasks
from readiness.forms import AssessmentReopenForm, EmailTextForm, InvitationEditForm
from readiness.models import Assessment, AssessmentState, Invitation
from workspaces.decorators import workspace_view
from workspaces.models import SURVEY_LANGUAGE_CODES, SURVEY_LANGUAGES
from workspaces.permissions import Action


def _back(invitation: Invitation) -> HttpResponse:
    return redirect("readiness:assessment_detail", assessment_id=invitation.assessment_id)


@workspace_view(Action.RUN_ASSESSMENTS)
@require_http_methods(["GET", "POST"])
def invitation_edit(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(workspace=request.workspace, invitation_id=invitation_id)
    form = InvitationEditForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_update(invitation=invitation, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{invitation.name}'s invitation is saved.")
            return _back(invitation)
    title = f"Edit the invitation of {invitation.name}"
    return render(request, "readiness/form_page.html", {"form": form, "title": title})


@workspace_view(Action.RUN_ASSESSMENTS)
@require_http_methods(["GET", "POST"])
def invitation_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Ask for confirmation, then withdraw the invitation."""
    invitation = selectors.invitation_get(workspace=request.workspace, invitation_id=invitation_id)
    if request.method == "POST":
        try:
            services.invitation_withdraw(invitation=invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{invitation.name}'s invitation is withdrawn: the link no longer works and "
                "they no longer count in the response rate.",
            )
        return _back(invitation)
    return render(request, "readiness/invitation_withdraw.html", {"invitation": invitation})


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def reminders_send_now(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Remind the chosen invitees now, whatever the spacing between reminders."""
    assessment = selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)
    back = redirect("readiness:assessment_detail", assessment_id=assessment.pk)
    if assessment.state != AssessmentState.OPEN:
        messages.error(request, "Only an open assessment's invitees can be reminded.")
        return back
    chosen = [int(pk) for pk in request.POST.getlist("invitation") if pk.isdigit()][:5000]
    if not chosen:
        messages.error(request, "Tick the people to remind, then press “Remind now”.")
        return back
    remindable = list(
        services.invitations_remindable(assessment=assessment)
        .filter(pk__in=chosen)
        .values_list("pk", flat=True)
    )
    if remindable:
        tasks.send_reminders.delay_on_commit(assessment.pk, remindable)
        count = len(remindable)
        messages.success(request, f"A reminder is on its way to {count} {_people_word(count)} now.")
    left_out = len(set(chosen)) - len(remindable)
    if left_out:
        messages.info(
            request,
            f"{left_out} of the people ticked cannot be reminded: they have submitted, were "
            "withdrawn, were never sent the invitation (send it first) or have had "
            f"{assessment.max_reminders} reminders already.",
        )
    return back


def _people_word(count: int) -> str:
    return "person" if count == 1 else "people"


@workspace_view(Action.RUN_ASSESSMENTS)
@require_POST
def assessment_reopen(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Reopen a closed assessment until the new closing date."""
    assessment = selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)
    form = AssessmentReopenForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_reopen(assessment=assessment, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            closes_on = form.cleaned_data["closes_on"]
            messages.success(
                request, f"{assessment.name} is open again until {closes_on:%Y-%m-%d}."
            )
    else:
        messages.error(request, " ".join(form.errors.get("closes_on", [])))
    return redirect("readiness:assessment_detail", assessment_id=assessment.pk)


@workspace_view(Action.RUN_ASSESSMENTS)
@require_http_methods(["GET", "POST"])
def assessment_emails(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Edit the assessment's invitation or reminder e-mail in one language, with a preview."""
    assessment = selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)
    kind = request.GET.get("kind", "invitation")
    language = request.GET.get("lang", request.workspace.default_language)
    if kind not in services.emails.KINDS or language not in SURVEY_LANGUAGE_CODES:
        return redirect(request.path)
    current, own = services.email_text(assessment=assessment, kind=kind, language=language)
    form = EmailTextForm(
        request.POST or None, initial={"subject": current.subject, "body": current.body}
    )
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "preview")
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if action == "reset":
            subject = body = ""
        try:
            if action == "preview":
                problems = services.emails.placeholder_problems(subject, "subject")
                problems += services.emails.placeholder_problems(body, "text")
                if problems:
                    raise ValidationError(problems)
                preview = _preview(assessment, kind, language, subject, body)
            else:
                services.assessment_set_email(
                    assessment=assessment, kind=kind, language=language, subject=subject, body=body
                )
                messages.success(request, _saved(kind, language, action))
                return redirect(f"{request.path}?kind={kind}&lang={language}")
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
    elif request.method == "GET":
        preview = _preview(assessment, kind, language, current.subject, current.body)
    context = {
        "assessment": assessment,
        "form": form,
        "kind": kind,
        "language": language,
        "languages": SURVEY_LANGUAGES,
        "own": own,
        "preview": preview,
    }
    return render(request, "readiness/assessment_emails.html", context, status=status)


def _preview(
    assessment: Assessment, kind: str, language: str, subject: str, body: str
) -> services.emails.Filled:
    """Return the e-mail as the first invitee in `language` (or a sample one) would get it."""
    invitee = assessment.invitations.filter(language=language, withdrawn_at__isnull=True).first()
    return services.email_fill(
        assessment=assessment,
        kind=kind,
        language=language,
        name=invitee.name if invitee else "Alex Example",
        link=services.invitation_link(invitation=invitee) if invitee else "https://…/s/…/",
        text=services.emails.EmailText(subject=subject, body=body),
    )


def _saved(kind: str, language: str, action: str) -> str:
    name = dict(SURVEY_LANGUAGES)[language]
    if action == "reset":
        return f"The {kind} e-mail in {name} is back to the built-in text."
    return f"The {kind} e-mail in {name} is saved: it goes out from now on."
