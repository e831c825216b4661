"""Writes of invitations: one by one, from a pasted list, and their e-mails."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from readiness import csv_io
from readiness.models import Assessment, AssessmentState, Invitation, RespondentRole
from readiness.services._common import _now, _save
from readiness.services.assessments import _locked_assessment
from readiness.survey import tokens

# --- Invitations --------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    assessment: Assessment,
    name: str,
    email: str,
    role: str,
    department: str = "",
) -> Invitation:
    """Invite one respondent to `assessment` with a new personal link."""
    salt = tokens.new_salt()
    return _save(
        Invitation(workspace_id=assessment.workspace_id, assessment=assessment),
        {
            "name": name.strip(),
            "email": email.strip().lower(),
            "role": role,
            "department": department.strip(),
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
        role = role_value(row.cells.get("role", ""))
        problems = []
        if "_extra" in row.cells:
            problems.append("has more than four columns (name, e-mail, role, department)")
        if not name:
            problems.append("the name is missing")
        if not email:
            problems.append("the e-mail address is missing")
        elif error := csv_io.email_error(email):
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
        clean_rows.append((name, email, role, row.cells.get("department", "")))
    if errors:
        raise ValidationError(errors)
    return [
        invitation_create(
            assessment=assessment, name=name, email=email, role=role, department=department
        )
        for name, email, role, department in clean_rows
    ]


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
    assessment = invitation.assessment
    project = assessment.project
    context = {
        "reminder": reminder,
        "name": invitation.name,
        "account": project.account.name,
        "product": project.product_name,
        "assessment": assessment.name,
        "closes_on": assessment.closes_on,
        "link": invitation_link(invitation=invitation),
    }
    subject = " ".join(render_to_string("readiness/email/survey_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("readiness/email/survey.txt", context), to=[invitation.email]
    )
    message.attach_alternative(
        render_to_string("readiness/email/survey.html", context), "text/html"
    )
    return message


def _send(messages: list[EmailMultiAlternatives], connection: Any) -> None:
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
