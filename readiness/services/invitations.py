"""Writes of invitations: one by one, from a pasted list, and their e-mails."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse

from readiness import csv_io
from readiness.models import (
    Assessment,
    AssessmentState,
    Invitation,
    RespondentRole,
    Response,
    ResponseStatus,
)
from readiness.services import emails
from readiness.services._common import _now, _save
from readiness.services.assessments import _locked_assessment, assessment_send_recorded
from readiness.survey import tokens
from workspaces.models import SURVEY_LANGUAGE_CODES, SURVEY_LANGUAGES

logger = logging.getLogger(__name__)

# --- Invitations --------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    assessment: Assessment,
    name: str,
    email: str,
    role: str,
    department: str = "",
    language: str = "",
    attributes: Mapping[str, str] | None = None,
) -> Invitation:
    """Invite one respondent to `assessment` with a new personal link, in `language` (the
    workspace's default language when blank).

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
            "language": language or assessment.workspace.default_language,
            "attributes": {
                " ".join(name.split()).lower(): value.strip()
                for name, value in (attributes or {}).items()
                if value.strip()
            },
            "token_salt": salt,
            "token_hash": tokens.hash_token(tokens.token_for_salt(salt)),
        },
    )


# --- Invitation lists ---------------------------------------------------------------------

MAX_LIST_ROWS = 5000


def role_value(raw: str) -> str | None:
    """Return the respondent role that `raw` names ("End user", "end-user", ...), or None."""
    labels = {label.lower().replace(" ", "_"): value for value, label in RespondentRole.choices}
    return csv_io.role_value(raw, RespondentRole.values, labels)


def language_value(raw: str) -> str | None:
    """Return the survey language that `raw` names ("de", "DE-ch", "German", "Deutsch"), or
    None when it names none."""
    key = raw.strip().lower().replace("_", "-")
    code = key.split("-")[0]
    if code in SURVEY_LANGUAGE_CODES:
        return code
    names = {"english": "en", "german": "de", "french": "fr", "spanish": "es"}
    names.update({name.lower(): code for code, name in SURVEY_LANGUAGES})
    return names.get(key)


def invitation_language(invitation: Invitation) -> str:
    """Return the language of the invitation's e-mails and survey: its own, else the workspace's."""
    for language in (invitation.language, invitation.workspace.default_language):
        if language in SURVEY_LANGUAGE_CODES:
            return language
    return "en"


@transaction.atomic
def invitation_set_language(*, invitation: Invitation, language: str) -> Invitation:
    """Make the invitation's survey and e-mails speak `language` (one of SURVEY_LANGUAGES)."""
    if language not in SURVEY_LANGUAGE_CODES:
        raise ValidationError(
            f"“{language}” is not a survey language: use {', '.join(SURVEY_LANGUAGE_CODES)}."
        )
    Invitation.objects.filter(pk=invitation.pk).update(language=language)
    invitation.language = language
    return invitation


@dataclass(frozen=True)
class ListResult:
    """What pasting a list did: who was invited, and who was skipped as already invited."""

    added: list[Invitation]
    skipped: list[str]


@transaction.atomic
def invitation_add_list(*, assessment: Assessment, rows: Sequence[csv_io.Row]) -> ListResult:
    """Invite everyone in `rows` not yet invited and report the others as skipped; invite no
    one and raise a ValidationError listing each bad line when any line is wrong."""
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
    skipped: list[str] = []
    for row in rows:
        name, email = row.cells.get("name", ""), row.cells.get("email", "").lower()
        role = role_value(row.cells.get("role", ""))
        problems = []
        language = row.cells.get("language", "")
        if "_extra" in row.cells:
            problems.append(
                "has more than five columns (name, e-mail, role, department, language): add a "
                "header row to name the further columns"
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
        elif error := csv_io.email_error(email):
            problems.append(error)
        elif email in seen:
            problems.append(f"{email} is already on line {seen[email]}")
        if role is None:
            problems.append(
                f"“{row.cells.get('role', '')}” is not a role: use sponsor, manager or end_user"
            )
        if language and language_value(language) is None:
            problems.append(f"“{language}” is not a survey language: use en, de, fr or es")
        if problems:
            errors.append(f"Line {row.line}: {'; '.join(problems)}.")
        seen.setdefault(email, row.line)
        if email in existing and not problems:
            # Re-pasting an updated list is normal: the people already there are reported.
            skipped.append(email)
            continue
        department = row.cells.get("department", "")
        clean_rows.append(
            (name, email, role, department, language_value(language) or "", attributes)
        )
    if errors:
        raise ValidationError(errors)
    added = [
        invitation_create(
            assessment=assessment,
            name=name,
            email=email,
            role=role,
            department=department,
            language=language,
            attributes=attributes,
        )
        for name, email, role, department, language, attributes in clean_rows
    ]
    return ListResult(added=added, skipped=skipped)


@transaction.atomic
def invitation_update(
    *,
    invitation: Invitation,
    name: str,
    email: str,
    role: str,
    department: str = "",
    language: str = "",
    attributes: Mapping[str, str] | None = None,
) -> Invitation:
    """Correct an invitee's name, e-mail, role, department, language or attributes; the link
    stays the same. `attributes` None leaves them as they are."""
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if invitation.withdrawn_at is not None:
        raise ValidationError("This invitation was withdrawn: invite the person again instead.")
    email = email.strip().lower()
    taken = Invitation.objects.filter(assessment_id=invitation.assessment_id, email=email)
    if taken.exclude(pk=invitation.pk).exists():
        raise ValidationError(f"{email} is already invited to this assessment.")
    if language and language not in SURVEY_LANGUAGE_CODES:
        raise ValidationError(f"“{language}” is not a survey language: use en, de, fr or es.")
    fields = {
        "name": name.strip(),
        "email": email,
        "role": role,
        "department": department.strip(),
        "language": language or invitation.language,
    }
    if attributes is not None:
        problems = _attribute_problems(attributes)
        if problems:
            raise ValidationError(f"The attributes: {'; '.join(problems)}.")
        fields["attributes"] = {name: value for name, value in attributes.items() if value}
    return _save(invitation, fields)


@transaction.atomic
def invitation_withdraw(
    *, invitation: Invitation, now: datetime.datetime | None = None
) -> Invitation:
    """Withdraw an invitation: its link stops working, it leaves the response rate and its
    saved draft is discarded. A submitted response stays and keeps counting."""
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if invitation.submitted_at is not None:
        raise ValidationError(
            f"{invitation.name} has already submitted: their answers stay counted, so the "
            "invitation cannot be withdrawn."
        )
    if invitation.withdrawn_at is not None:
        return invitation
    Response.objects.filter(invitation=invitation, status=ResponseStatus.DRAFT).delete()
    invitation.withdrawn_at = _now(now)
    invitation.save(update_fields=["withdrawn_at"])
    return invitation


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
    """Return the absolute personal survey link of `invitation`.

    The token is derived from the salt under the current server key. After a key rotation the
    stored hash no longer matches the derived token: the invitation is re-keyed so that the new
    link works, and the hash of the link already sent stays valid as the previous one (both
    links open the survey; a second rotation retires the oldest).
    """
    token = tokens.token_for_salt(invitation.token_salt)
    token_hash = tokens.hash_token(token)
    if token_hash != invitation.token_hash:
        invitation_rekey(invitation=invitation, token_hash=token_hash)
    return settings.SITE_URL.rstrip("/") + reverse("survey:welcome", args=[token])


@transaction.atomic
def invitation_rekey(*, invitation: Invitation, token_hash: str) -> None:
    """Store `token_hash` (the current key's) and keep the hash in use as the previous one."""
    Invitation.objects.filter(pk=invitation.pk).exclude(token_hash=token_hash).update(
        previous_token_hash=F("token_hash"), token_hash=token_hash
    )
    invitation.previous_token_hash, invitation.token_hash = invitation.token_hash, token_hash


def _survey_email(invitation: Invitation, *, reminder: bool) -> EmailMultiAlternatives:
    """Return the invitation or reminder e-mail of `invitation`, in its language: the
    assessment's own text when the consultant wrote one, else the built-in one."""
    filled = emails.email_fill(
        assessment=invitation.assessment,
        kind="reminder" if reminder else "invitation",
        language=invitation_language(invitation),
        name=invitation.name,
        link=invitation_link(invitation=invitation),
    )
    message = EmailMultiAlternatives(filled.subject, filled.text, to=[invitation.email])
    message.attach_alternative(filled.html, "text/html")
    return message


def _send_each(
    invitations: list[Invitation], *, reminder: bool, connection: Any
) -> tuple[list[int], dict[int, str]]:
    """E-mail each invitation on its own; return the ids sent and why each other one failed.

    One bad address or header fails only its own e-mail. A connection that cannot be opened
    at all raises, and the caller records it on the assessment.
    """
    connection = connection or get_connection()
    sent: list[int] = []
    failed: dict[int, str] = {}
    if not invitations:
        return sent, failed
    connection.open()
    try:
        for invitation in invitations:
            try:
                connection.send_messages([_survey_email(invitation, reminder=reminder)])
            except (BadHeaderError, SMTPException, OSError, ValueError) as error:
                failed[invitation.pk] = _send_failure(error)
                logger.warning(
                    "The e-mail to invitation %s could not be sent (%s).",
                    invitation.pk,
                    type(error).__name__,
                )
            else:
                sent.append(invitation.pk)
    finally:
        connection.close()
    return sent, failed


def _send_failure(error: BaseException) -> str:
    """Return what the assessment page shows about a failed e-mail (no server internals)."""
    if isinstance(error, BadHeaderError | ValueError):
        return "Not sent: a name in the e-mail holds a line break or another control character."
    return f"Not sent: the mail server refused it ({type(error).__name__})."


def _record_failures(failed: dict[int, str]) -> None:
    for invitation_id, message in failed.items():
        Invitation.objects.filter(pk=invitation_id).update(send_error=message)


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
            assessment=assessment,
            submitted_at__isnull=True,
            workshop__isnull=True,  # workshop participants have no e-mail address
            withdrawn_at__isnull=True,
        )
        if invitation_ids is not None:
            due = due.filter(pk__in=invitation_ids)
        if not resend:
            due = due.filter(sent_at__isnull=True)
        invitations = list(due.select_related("workspace", "assessment__project__account"))
        sent, failed = _send_each(invitations, reminder=False, connection=connection)
        Invitation.objects.filter(pk__in=sent).update(sent_at=now, send_error="")
        _record_failures(failed)
    return len(sent)


def invitations_due_reminder(
    *, assessment: Assessment, now: datetime.datetime | None = None
) -> QuerySet[Invitation]:
    """Return the invitations that may get a reminder now: sent, not submitted, under the
    reminder limit, and not sent or reminded within the assessment's interval."""
    cutoff = _now(now) - datetime.timedelta(days=assessment.reminder_interval_days)
    return Invitation.objects.filter(
        assessment=assessment,
        workshop__isnull=True,  # workshop participants have no e-mail address
        sent_at__isnull=False,
        submitted_at__isnull=True,
        withdrawn_at__isnull=True,
        reminder_count__lt=assessment.max_reminders,
    ).filter(
        Q(last_reminded_at__lte=cutoff) | Q(last_reminded_at__isnull=True, sent_at__lte=cutoff)
    )


def invitations_remindable(*, assessment: Assessment) -> QuerySet[Invitation]:
    """Return the invitations a consultant may remind now, whatever the spacing: sent, not
    submitted, not withdrawn and under the reminder limit."""
    return Invitation.objects.filter(
        assessment=assessment,
        sent_at__isnull=False,
        submitted_at__isnull=True,
        withdrawn_at__isnull=True,
        reminder_count__lt=assessment.max_reminders,
    )


def reminders_send(
    *,
    assessment_id: int,
    invitation_ids: Sequence[int] | None = None,
    now: datetime.datetime | None = None,
    connection: Any = None,
) -> int:
    """Remind the open assessment's invitees who are due a reminder, or ("remind now") those
    of `invitation_ids` that can be reminded, whatever the spacing; return how many."""
    now = _now(now)
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update(no_key=True).get(pk=assessment_id)
        if assessment.state != AssessmentState.OPEN:
            return 0
        if invitation_ids is None:
            chosen = invitations_due_reminder(assessment=assessment, now=now)
        else:
            chosen = invitations_remindable(assessment=assessment).filter(pk__in=invitation_ids)
        invitations = list(
            chosen.select_for_update(of=("self",)).select_related(
                "workspace", "assessment__project__account"
            )
        )
        sent, failed = _send_each(invitations, reminder=True, connection=connection)
        Invitation.objects.filter(pk__in=sent).update(
            reminder_count=F("reminder_count") + 1, last_reminded_at=now, send_error=""
        )
        _record_failures(failed)
    return len(sent)


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send the due reminders of every open assessment; return how many were sent."""
    open_ids = Assessment.objects.filter(state=AssessmentState.OPEN).values_list("pk", flat=True)
    return sum(
        assessment_send_recorded(reminders_send, assessment_id=pk, now=now) for pk in list(open_ids)
    )
