"""Every write to workspaces, accounts, projects, templates and assessments goes through here."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from readiness import csv_io, tokens
from readiness.default_template import DEFAULT_ITEMS, DEFAULT_TEMPLATE_NAME
from readiness.models import (
    Account,
    Answer,
    Assessment,
    AssessmentState,
    Confidentiality,
    Invitation,
    ItemKind,
    Membership,
    Project,
    ProjectStatus,
    RespondentRole,
    Response,
    ResponseSource,
    ResponseStatus,
    Role,
    SurveyTemplate,
    TemplateItem,
    Workspace,
)


def _save(instance: Any, fields: Mapping[str, Any]) -> Any:
    """Set `fields` on `instance`, validate the whole object and save it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


# --- Workspaces and members ---------------------------------------------------------------


@transaction.atomic
def workspace_create(*, name: str, slug: str = "") -> Workspace:
    """Create a workspace with its built-in default survey template."""
    workspace = _save(Workspace(), {"name": name, "slug": slug or slugify(name)[:60]})
    default_template_ensure(workspace=workspace)
    return workspace


@transaction.atomic
def membership_set(*, workspace: Workspace, user: AbstractBaseUser, role: str) -> Membership:
    """Give `user` the `role` in `workspace`, adding the membership when there is none."""
    membership, _ = Membership.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    if role != Role.ADMIN:
        _refuse_losing_last_admin(membership)
    return _save(membership, {"role": role})


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member, refusing to remove the workspace's last admin."""
    _refuse_losing_last_admin(membership)
    membership.delete()


def _refuse_losing_last_admin(membership: Membership) -> None:
    others = Membership.objects.select_for_update().filter(
        workspace_id=membership.workspace_id, role=Role.ADMIN
    )
    if membership.role == Role.ADMIN and not others.exclude(pk=membership.pk).exists():
        raise ValidationError(
            "A workspace needs at least one admin: make someone else admin first."
        )


# --- Survey templates ---------------------------------------------------------------------


@transaction.atomic
def default_template_ensure(*, workspace: Workspace) -> SurveyTemplate:
    """Return the workspace's default ADKAR template, creating it (SPEC §3) when missing."""
    template = (
        SurveyTemplate.objects.for_workspace(workspace)
        .filter(is_default=True)
        .order_by("-version")
        .first()
    )
    if template is not None:
        return template
    template = _save(
        SurveyTemplate(workspace=workspace),
        {
            "name": DEFAULT_TEMPLATE_NAME,
            "version": 1,
            "is_default": True,
            "description": "The built-in ADKAR readiness survey with leadership and sentiment.",
        },
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            position=position,
            code=spec.code,
            kind=spec.kind,
            dimension=spec.dimension,
            wording=spec.wording,
            allow_dont_know=spec.kind == "likert",
        )
        for position, spec in enumerate(DEFAULT_ITEMS, start=1)
    )
    return template


@transaction.atomic
def template_revise(*, template: SurveyTemplate, wordings: Mapping[str, str]) -> SurveyTemplate:
    """Change item wordings; a template that an assessment uses is left as is and a new
    version is made instead. Return the template that holds the new wordings."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    items = list(template.items.all())
    changed = {code: text for code, text in wordings.items() if text.strip()}
    if all(item.wording == changed.get(item.code, item.wording) for item in items):
        return template
    if template.is_frozen:
        latest = SurveyTemplate.objects.filter(
            workspace=template.workspace, name=template.name
        ).aggregate(Max("version"))["version__max"]
        revised = _save(
            SurveyTemplate(workspace=template.workspace),
            {
                "name": template.name,
                "version": latest + 1,
                "description": template.description,
                "is_default": template.is_default,
                "previous_version": template,
            },
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                template=revised,
                position=item.position,
                code=item.code,
                kind=item.kind,
                dimension=item.dimension,
                wording=changed.get(item.code, item.wording),
                allow_dont_know=item.allow_dont_know,
                required=item.required,
            )
            for item in items
        )
        return revised
    for item in items:
        if item.code in changed:
            _save(item, {"wording": changed[item.code]})
    return template


# --- Accounts and projects ----------------------------------------------------------------


@transaction.atomic
def account_create(*, workspace: Workspace, **fields: Any) -> Account:
    """Create a customer account in `workspace`."""
    return _save(Account(workspace=workspace), fields)


@transaction.atomic
def account_update(*, account: Account, **fields: Any) -> Account:
    """Change a customer account's details."""
    return _save(account, fields)


@transaction.atomic
def project_create(*, workspace: Workspace, account: Account, **fields: Any) -> Project:
    """Create an implementation project at one of the workspace's accounts."""
    if account.workspace_id != workspace.pk:
        raise ValueError("The account belongs to another workspace.")
    return _save(Project(workspace=workspace, account=account), fields)


@transaction.atomic
def project_update(*, project: Project, **fields: Any) -> Project:
    """Change a project's details; evidence-relevant changes mark it for recalculation."""
    scored = ("licensed_seats", "tracked_features", "status")
    # Compared with the stored row: a ModelForm has already set the new values on `project`.
    stored = Project.objects.filter(pk=project.pk).values(*scored).get()
    changed = any(stored[name] != value for name, value in fields.items() if name in scored)
    project = _save(project, fields)
    if changed:
        project_mark_for_recalculation(project_id=project.pk)
        project.needs_recalculation = True
    return project


def project_mark_for_recalculation(*, project_id: int) -> None:
    """Mark a project's score stale and enqueue its recalculation once the transaction commits.

    Call inside the transaction that changed its evidence. The flag is the source of truth:
    if the broker is down the enqueue is skipped with a warning and the periodic sweep catches up.
    """
    # Imported here because scoring depends on readiness, not the other way round.
    from scoring.services import project_recalculation_request

    Project.objects.filter(pk=project_id).update(needs_recalculation=True)
    project_recalculation_request(project_id=project_id)


def account_active_project(*, account: Account) -> Project | None:
    """Return the account's active project: the newest one that is not closed."""
    return (
        account.projects.exclude(status=ProjectStatus.CLOSED)
        .order_by("-kickoff_date", "-created_at")
        .first()
    )


# --- Assessments --------------------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *,
    project: Project,
    template: SurveyTemplate,
    name: str,
    opens_on: datetime.date,
    closes_on: datetime.date | None = None,
    max_reminders: int = 3,
    reminder_interval_days: int = 3,
) -> Assessment:
    """Create a draft assessment on `project` with a template of the same workspace."""
    if template.workspace_id != project.workspace_id:
        raise ValueError("The template belongs to another workspace.")
    return _save(
        Assessment(workspace_id=project.workspace_id, project=project),
        {
            "template": template,
            "name": name,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "max_reminders": max_reminders,
            "reminder_interval_days": reminder_interval_days,
            "state": AssessmentState.DRAFT,
        },
    )


@transaction.atomic
def assessment_update(*, assessment: Assessment, **fields: Any) -> Assessment:
    """Change an assessment's settings; its template is fixed once it is no longer a draft."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    template = fields.get("template")
    if (
        template is not None
        and template.pk != assessment.template_id
        and assessment.state != AssessmentState.DRAFT
    ):
        raise ValidationError(
            {"template": "The template of an open or closed assessment cannot change."}
        )
    return _save(assessment, fields)


CONFIDENTIALITY_FIXED = (
    "The confidentiality of an assessment can change only before it opens: its respondents "
    "may already have read the promise on the welcome page."
)


@transaction.atomic
def assessment_set_confidentiality(*, assessment: Assessment, confidentiality: str) -> Assessment:
    """Make a draft assessment `confidential` or `identified` (its welcome page says which)."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if confidentiality not in Confidentiality.values:
        raise ValidationError({"confidentiality": "Choose confidential or identified."})
    if assessment.state != AssessmentState.DRAFT:
        raise ValidationError({"confidentiality": CONFIDENTIALITY_FIXED})
    return _save(assessment, {"confidentiality": confidentiality})


# --- Invitations --------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    assessment: Assessment,
    name: str,
    email: str,
    role: str,
    department: str = "",
    attributes: Mapping[str, str] | None = None,
) -> Invitation:
    """Invite one respondent to `assessment` with a new personal link.

    `attributes` are further columns of the invitation list (e.g. location, team): the report
    cuts its figures by them, as by department.
    """
    salt = tokens.new_salt()
    return _save(
        Invitation(workspace_id=assessment.workspace_id, assessment=assessment),
        {
            "name": name.strip(),
            "email": email.strip().lower(),
            "role": role,
            "department": department.strip(),
            "attributes": {
                " ".join(name.split()).lower(): value.strip()
                for name, value in (attributes or {}).items()
                if value.strip()
            },
            "token_salt": salt,
            "token_hash": tokens.hash_token(tokens.token_for_salt(salt)),
        },
    )


# --- Assessment lifecycle -----------------------------------------------------------------


class SurveyUnavailable(ValidationError):
    """The assessment does not take answers now (draft, not yet open, or closed)."""


class AlreadySubmitted(ValidationError):
    """The invitation's response was already submitted; it is read-only."""


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _locked_assessment(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().get(pk=assessment.pk)


@transaction.atomic
def assessment_open(*, assessment: Assessment, now: datetime.datetime | None = None) -> Assessment:
    """Open a draft assessment so its links take answers from its opening date on."""
    now = _now(now)
    locked = _locked_assessment(assessment)
    if locked.state != AssessmentState.DRAFT:
        raise ValidationError(
            f"Only a draft assessment can be opened; this one is {locked.get_state_display().lower()}."
        )
    if locked.closes_on is not None and locked.closes_on < timezone.localdate(now):
        raise ValidationError(
            "The closing date has already passed: set a later closing date, then open it."
        )
    return _save(locked, {"state": AssessmentState.OPEN, "opened_at": now})


@transaction.atomic
def assessment_close(*, assessment: Assessment, now: datetime.datetime | None = None) -> Assessment:
    """Close an open assessment: its links stop taking answers."""
    locked = _locked_assessment(assessment)
    if locked.state != AssessmentState.OPEN:
        raise ValidationError(
            f"Only an open assessment can be closed; this one is {locked.get_state_display().lower()}."
        )
    return _save(locked, {"state": AssessmentState.CLOSED, "closed_at": _now(now)})


def assessment_close_overdue(*, now: datetime.datetime | None = None) -> int:
    """Close every open assessment whose closing date has passed; return how many."""
    now = _now(now)
    overdue = Assessment.objects.filter(
        state=AssessmentState.OPEN, closes_on__lt=timezone.localdate(now)
    )
    closed = 0
    for assessment in overdue:
        try:
            assessment_close(assessment=assessment, now=now)
        except ValidationError:
            continue  # closed by hand in the meantime: nothing left to do
        closed += 1
    return closed


def survey_state(*, assessment: Assessment, today: datetime.date | None = None) -> str:
    """Return whether the assessment takes answers: "open", "not_yet_open" or "closed"."""
    today = today or timezone.localdate()
    if assessment.state == AssessmentState.CLOSED:
        return "closed"
    if assessment.state == AssessmentState.DRAFT or assessment.opens_on > today:
        return "not_yet_open"
    if assessment.closes_on is not None and assessment.closes_on < today:
        return "closed"
    return "open"


# --- Invitation lists ---------------------------------------------------------------------

MAX_LIST_ROWS = 5000


def _role_value(raw: str) -> str | None:
    """Return the respondent role that `raw` names ("End user", "end-user", ...), or None."""
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    labels = {label.lower().replace(" ", "_"): value for value, label in RespondentRole.choices}
    return key if key in RespondentRole.values else labels.get(key)


def _email_error(email: str) -> str | None:
    try:
        validate_email(email)
    except ValidationError:
        return f"“{email}” is not a valid e-mail address"
    return None


@transaction.atomic
def invitation_add_list(*, assessment: Assessment, rows: Sequence[csv_io.Row]) -> list[Invitation]:
    """Invite everyone in `rows`, or no one: raise a ValidationError listing each bad line."""
    assessment = _locked_assessment(assessment)
    if assessment.state == AssessmentState.CLOSED:
        raise ValidationError("This assessment is closed: invite people to a new assessment.")
    if not rows:
        raise ValidationError("The list is empty: add one person per line.")
    if len(rows) > MAX_LIST_ROWS:
        raise ValidationError(f"Add at most {MAX_LIST_ROWS} people at a time.")
    existing = set(assessment.invitations.values_list("email", flat=True))
    seen: dict[str, int] = {}
    errors: list[str] = []
    clean_rows = []
    for row in rows:
        name, email = row.cells.get("name", ""), row.cells.get("email", "").lower()
        role = _role_value(row.cells.get("role", ""))
        problems = []
        if "_extra" in row.cells:
            problems.append(
                "has more than four columns (name, e-mail, role, department): add a header row "
                "to name the further columns"
            )
        attributes = {
            column.removeprefix(csv_io.ATTRIBUTE_PREFIX): value
            for column, value in row.cells.items()
            if column.startswith(csv_io.ATTRIBUTE_PREFIX) and value
        }
        problems += _attribute_problems(attributes)
        if not name:
            problems.append("the name is missing")
        if not email:
            problems.append("the e-mail address is missing")
        elif error := _email_error(email):
            problems.append(error)
        elif email in existing:
            problems.append(f"{email} is already invited to this assessment")
        elif email in seen:
            problems.append(f"{email} is already on line {seen[email]}")
        if role is None:
            problems.append(
                f"“{row.cells.get('role', '')}” is not a role: use sponsor, manager or end_user"
            )
        if problems:
            errors.append(f"Line {row.line}: {'; '.join(problems)}.")
        seen.setdefault(email, row.line)
        clean_rows.append((name, email, role, row.cells.get("department", ""), attributes))
    if errors:
        raise ValidationError(errors)
    return [
        invitation_create(
            assessment=assessment,
            name=name,
            email=email,
            role=role,
            department=department,
            attributes=attributes,
        )
        for name, email, role, department, attributes in clean_rows
    ]


MAX_ATTRIBUTES = 10
MAX_ATTRIBUTE_LENGTH = 100
# Names the report gives its own cuts: an attribute may not take them.
RESERVED_ATTRIBUTES = frozenset({"all", "role", "department", ""})


def _attribute_problems(attributes: Mapping[str, str]) -> list[str]:
    problems = []
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(f"has more than {MAX_ATTRIBUTES} further columns")
    for name, value in attributes.items():
        if name in RESERVED_ATTRIBUTES:
            problems.append(f"the column “{name}” needs another name: the report uses it")
        elif len(name) > MAX_ATTRIBUTE_LENGTH or len(value) > MAX_ATTRIBUTE_LENGTH:
            problems.append(
                f"the column “{name[:40]}” or its value is longer than "
                f"{MAX_ATTRIBUTE_LENGTH} characters"
            )
    return problems


# --- Invitation and reminder e-mails ------------------------------------------------------


def invitation_link(*, invitation: Invitation) -> str:
    """Return the absolute personal survey link of `invitation`."""
    token = tokens.token_for_salt(invitation.token_salt)
    return settings.SITE_URL.rstrip("/") + reverse("survey:welcome", args=[token])


def _survey_email(invitation: Invitation, *, reminder: bool) -> EmailMessage:
    assessment = invitation.assessment
    project = assessment.project
    closes = f" It closes on {assessment.closes_on:%A %d %B %Y}." if assessment.closes_on else ""
    subject = f"{'Reminder: ' if reminder else ''}{project.account.name} readiness survey on {project.product_name}"
    body = (
        f"Dear {invitation.name},\n\n"
        + (
            "This is a friendly reminder: we have not received your answers yet.\n\n"
            if reminder
            else ""
        )
        + f"{project.account.name} is introducing {project.product_name}. Please tell us how "
        f"ready you feel for the change in this short survey ({assessment.name}). It takes "
        f"about five minutes; you can stop at any time and continue later from the same link."
        f"{closes}\n\n"
        f"Your personal link (please do not forward it):\n{invitation_link(invitation=invitation)}\n\n"
        "Thank you.\n"
    )
    return EmailMessage(subject, body, to=[invitation.email])


def _send(messages: list[EmailMessage], connection: Any) -> None:
    if messages:
        (connection or get_connection()).send_messages(messages)


def invitations_send(
    *,
    assessment_id: int,
    invitation_ids: Sequence[int] | None = None,
    resend: bool = False,
    now: datetime.datetime | None = None,
    connection: Any = None,
) -> int:
    """E-mail the personal link to the open assessment's invitees not yet sent one (or, with
    `resend`, again to `invitation_ids`); return how many were sent. Running twice sends once."""
    now = _now(now)
    with transaction.atomic():
        # FOR NO KEY UPDATE serializes the sends of an assessment without blocking the rows
        # that refer to it (a new score snapshot, say) while the e-mails go out.
        assessment = Assessment.objects.select_for_update(no_key=True).get(pk=assessment_id)
        if assessment.state != AssessmentState.OPEN:
            return 0
        # Only the invitations' rows: the project and account joined below for the e-mails
        # must not stay locked (submissions update the project) while the e-mails go out.
        due = Invitation.objects.select_for_update(of=("self",)).filter(
            assessment=assessment, submitted_at__isnull=True
        )
        if invitation_ids is not None:
            due = due.filter(pk__in=invitation_ids)
        if not resend:
            due = due.filter(sent_at__isnull=True)
        invitations = list(due.select_related("assessment__project__account"))
        _send([_survey_email(inv, reminder=False) for inv in invitations], connection)
        Invitation.objects.filter(pk__in=[inv.pk for inv in invitations]).update(sent_at=now)
    return len(invitations)


def invitations_due_reminder(
    *, assessment: Assessment, now: datetime.datetime | None = None
) -> QuerySet[Invitation]:
    """Return the invitations that may get a reminder now: sent, not submitted, under the
    reminder limit, and not sent or reminded within the assessment's interval."""
    cutoff = _now(now) - datetime.timedelta(days=assessment.reminder_interval_days)
    return Invitation.objects.filter(
        assessment=assessment,
        sent_at__isnull=False,
        submitted_at__isnull=True,
        reminder_count__lt=assessment.max_reminders,
    ).filter(
        Q(last_reminded_at__lte=cutoff) | Q(last_reminded_at__isnull=True, sent_at__lte=cutoff)
    )


def reminders_send(
    *, assessment_id: int, now: datetime.datetime | None = None, connection: Any = None
) -> int:
    """Remind the open assessment's invitees who are due a reminder; return how many."""
    now = _now(now)
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update(no_key=True).get(pk=assessment_id)
        if assessment.state != AssessmentState.OPEN:
            return 0
        invitations = list(
            invitations_due_reminder(assessment=assessment, now=now)
            .select_for_update(of=("self",))
            .select_related("assessment__project__account")
        )
        _send([_survey_email(inv, reminder=True) for inv in invitations], connection)
        Invitation.objects.filter(pk__in=[inv.pk for inv in invitations]).update(
            reminder_count=F("reminder_count") + 1, last_reminded_at=now
        )
    return len(invitations)


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send the due reminders of every open assessment; return how many were sent."""
    open_ids = Assessment.objects.filter(state=AssessmentState.OPEN).values_list("pk", flat=True)
    return sum(reminders_send(assessment_id=pk, now=now) for pk in list(open_ids))


# --- Responses ----------------------------------------------------------------------------

MAX_TEXT_ANSWER = 4000


@dataclass(frozen=True)
class AnswerValue:
    value: int | None = None
    dont_know: bool = False
    text: str = ""


def answer_clean(*, item: TemplateItem, raw: str) -> AnswerValue | None:
    """Return the answer `raw` gives to `item` (None when left blank), or raise a
    ValidationError that says which values are allowed."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if item.kind == ItemKind.TEXT:
        if len(raw) > MAX_TEXT_ANSWER:
            raise ValidationError(f"Keep the answer under {MAX_TEXT_ANSWER} characters.")
        return AnswerValue(text=raw)
    if raw.lower().replace("'", "").replace(" ", "_") in {csv_io.DONT_KNOW, "dontknow"}:
        if item.kind == ItemKind.LIKERT and item.allow_dont_know:
            return AnswerValue(dont_know=True)
        raise ValidationError("“Don't know” is not an answer to this question.")
    low, high = (1, 5) if item.kind == ItemKind.LIKERT else (0, 10)
    allowed = f"{low}–{high}" + (
        " or dont_know" if item.kind == ItemKind.LIKERT and item.allow_dont_know else ""
    )
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"“{raw}” is not an answer: use {allowed}.") from None
    if not low <= value <= high:
        raise ValidationError(f"{value} is out of range: use {allowed}.")
    return AnswerValue(value=value)


def _locked_invitation(invitation: Invitation) -> Invitation:
    # Only the invitation's row: FOR UPDATE would otherwise also lock the joined assessment and
    # template, and every draft save and submission of the assessment would wait for the others.
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("assessment", "assessment__template")
        .get(pk=invitation.pk)
    )


def _refuse_unless_answerable(invitation: Invitation, now: datetime.datetime) -> None:
    if invitation.submitted_at is not None:
        raise AlreadySubmitted(
            "Your answers have already been submitted, so they cannot be changed. Thank you!"
        )
    state = survey_state(assessment=invitation.assessment, today=timezone.localdate(now))
    if state == "closed":
        raise SurveyUnavailable("This survey is closed, so answers can no longer be saved.")
    if state == "not_yet_open":
        raise SurveyUnavailable("This survey is not open yet; please come back later.")


@transaction.atomic
def response_save_draft(
    *,
    invitation: Invitation,
    answers: Mapping[str, str],
    step: int,
    now: datetime.datetime | None = None,
) -> Response:
    """Save the answers of one survey step in the invitation's draft (blank clears an answer).

    Raise a ValidationError keyed by item code and store nothing when any answer is invalid.
    """
    now = _now(now)
    invitation = _locked_invitation(invitation)
    _refuse_unless_answerable(invitation, now)
    items = {item.code: item for item in invitation.assessment.template.items.all()}
    cleaned: dict[TemplateItem, AnswerValue | None] = {}
    errors: dict[str, list[str]] = {}
    for code, raw in answers.items():
        if code not in items:
            errors.setdefault("__all__", []).append(f"“{code}” is not a question of this survey.")
            continue
        try:
            cleaned[items[code]] = answer_clean(item=items[code], raw=raw)
        except ValidationError as error:
            errors[code] = error.messages
    if errors:
        raise ValidationError(errors)
    draft, _ = Response.objects.get_or_create(
        invitation=invitation,
        status=ResponseStatus.DRAFT,
        defaults={"workspace_id": invitation.workspace_id, "assessment": invitation.assessment},
    )
    draft.answers.filter(item__in=list(cleaned)).delete()
    Answer.objects.bulk_create(
        Answer(response=draft, item=item, value=a.value, dont_know=a.dont_know, text=a.text)
        for item, a in cleaned.items()
        if a is not None
    )
    _save(draft, {"current_step": max(step, 0)})
    if invitation.opened_at is None:
        _save(invitation, {"opened_at": now})
    return draft


@transaction.atomic
def invitation_mark_opened(*, invitation: Invitation, now: datetime.datetime | None = None) -> None:
    """Record the first time the respondent opened the survey link."""
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=_now(now))


@transaction.atomic
def response_submit(*, invitation: Invitation, now: datetime.datetime | None = None) -> Response:
    """Submit the invitation's draft once; it becomes read-only and the project is marked for
    recalculation. A second submission raises AlreadySubmitted and changes nothing."""
    now = _now(now)
    invitation = _locked_invitation(invitation)
    _refuse_unless_answerable(invitation, now)
    draft = (
        Response.objects.filter(invitation=invitation, status=ResponseStatus.DRAFT)
        .annotate(answer_count=Count("answers"))
        .first()
    )
    if draft is None or draft.answer_count == 0:
        raise ValidationError("Answer at least one question before you submit.")
    try:
        # The unique (invitation, status) constraint is the last line against a double submit.
        with transaction.atomic():
            Response.objects.filter(pk=draft.pk).update(
                status=ResponseStatus.SUBMITTED, submitted_at=now, updated_at=now
            )
    except IntegrityError:
        raise AlreadySubmitted(
            "Your answers have already been submitted, so they cannot be changed. Thank you!"
        ) from None
    # Two timestamps from our own clock on the row locked above: nothing for full_clean() to
    # check, and it would cost four queries (both foreign keys, both unique constraints).
    Invitation.objects.filter(pk=invitation.pk).update(
        submitted_at=now, opened_at=invitation.opened_at or now
    )
    project_mark_for_recalculation(project_id=invitation.assessment.project_id)
    draft.status, draft.submitted_at, draft.updated_at = ResponseStatus.SUBMITTED, now, now
    return draft


# --- Response import ----------------------------------------------------------------------

MAX_IMPORT_ERRORS = 100


@dataclass(frozen=True)
class ImportResult:
    imported: int
    invited: int


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@transaction.atomic
def responses_import(
    *, assessment: Assessment, text: str, now: datetime.datetime | None = None
) -> ImportResult:
    """Import submitted responses from a CSV in the export's format, all or nothing.

    Raise a ValidationError listing every bad line and cell (with line and column) and store
    nothing when any is wrong. A person who already submitted is reported as a duplicate.
    """
    now = _now(now)
    assessment = _locked_assessment(assessment)
    if assessment.state == AssessmentState.DRAFT:
        raise ValidationError("Open the assessment before importing responses.")
    items = {item.code: item for item in assessment.template.items.all()}
    header, rows = csv_io.read_rows(text)
    errors: list[str] = []
    if not header:
        raise ValidationError("The file is empty: start with the header row of the export.")
    missing = [name for name in ("name", "email", "role") if name not in header]
    if missing:
        errors.append(
            f"Line 1: the header needs the column(s) {', '.join(missing)}; "
            "use the header row of the export."
        )
    codes: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        if name in csv_io.PERSON_COLUMNS:
            continue
        if name not in items:
            errors.append(
                f"Line 1, column {_column_letter(index)}: “{name}” is not a question code of this "
                "assessment's template."
            )
        elif header.count(name) > 1:
            errors.append(f"Line 1, column {_column_letter(index)}: “{name}” appears twice.")
        else:
            codes.append((index, name))
    if errors:
        raise ValidationError(errors)

    invitations = {inv.email: inv for inv in assessment.invitations.all()}
    seen: dict[str, int] = {}
    parsed = []
    for row in rows:
        line_errors = []
        email = row.cells.get("email", "").lower()
        role = _role_value(row.cells.get("role", ""))
        if not row.cells.get("name"):
            line_errors.append(f"Line {row.line}: the name is missing.")
        if not email:
            line_errors.append(f"Line {row.line}: the e-mail address is missing.")
        elif error := _email_error(email):
            line_errors.append(f"Line {row.line}: {error}.")
        if role is None:
            line_errors.append(
                f"Line {row.line}, column {_column_letter(header.index('role'))}: "
                f"“{row.cells.get('role', '')}” is not a role: use sponsor, manager or end_user."
            )
        invitation = invitations.get(email)
        if email in seen:
            line_errors.append(f"Line {row.line}: {email} is already on line {seen[email]}.")
        elif invitation is not None and invitation.submitted_at is not None:
            line_errors.append(
                f"Line {row.line}: duplicate — {email} has already submitted a response to this "
                "assessment; remove the line (nothing is changed by importing it again)."
            )
        elif invitation is not None and role is not None and invitation.role != role:
            line_errors.append(
                f"Line {row.line}: {email} is invited as {invitation.get_role_display().lower()}, "
                f"not {role}; correct the role."
            )
        seen.setdefault(email, row.line)
        answers = {}
        for index, code in codes:
            raw = csv_io.unneutralize(row.cells.get(code, ""))
            try:
                answer = answer_clean(item=items[code], raw=raw)
            except ValidationError as error:
                line_errors.append(
                    f"Line {row.line}, column {_column_letter(index)} ({code}): "
                    f"{' '.join(error.messages)}"
                )
                continue
            if answer is not None:
                answers[items[code]] = answer
        if not answers and not line_errors:
            line_errors.append(f"Line {row.line}: there is no answer on this line.")
        errors.extend(line_errors)
        parsed.append((row, email, role, answers))
        if len(errors) > MAX_IMPORT_ERRORS:
            break
    if errors:
        shown = errors[:MAX_IMPORT_ERRORS]
        if len(errors) > MAX_IMPORT_ERRORS:
            shown.append("There are more errors: correct these and upload the file again.")
        raise ValidationError(shown)
    if not parsed:
        raise ValidationError("The file has a header but no responses.")

    invited = 0
    for row, email, role, answers in parsed:
        invitation = invitations.get(email)
        if invitation is None:
            invitation = invitation_create(
                assessment=assessment,
                name=row.cells["name"],
                email=email,
                role=role,
                department=row.cells.get("department", ""),
            )
            invited += 1
        response = _save(
            Response(workspace_id=assessment.workspace_id, assessment=assessment),
            {
                "invitation": invitation,
                "status": ResponseStatus.SUBMITTED,
                "source": ResponseSource.IMPORT,
                "submitted_at": now,
            },
        )
        Answer.objects.bulk_create(
            Answer(response=response, item=item, value=a.value, dont_know=a.dont_know, text=a.text)
            for item, a in answers.items()
        )
        Invitation.objects.filter(pk=invitation.pk).update(submitted_at=now)
    project_mark_for_recalculation(project_id=assessment.project_id)
    return ImportResult(imported=len(parsed), invited=invited)
