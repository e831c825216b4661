"""Writes of assessments: creation, changes and the draft → open → closed lifecycle."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness.models import (
    Assessment,
    AssessmentState,
    Confidentiality,
    Project,
    SurveyTemplate,
    Workshop,
)
from readiness.services._common import _now, _save
from workspaces.events import event_emit

logger = logging.getLogger(__name__)

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


# --- Assessment lifecycle -----------------------------------------------------------------


class SurveyUnavailable(ValidationError):
    """The assessment does not take answers now (draft, not yet open, or closed)."""


class AlreadySubmitted(ValidationError):
    """The invitation's response was already submitted; it is read-only."""


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
    now = _now(now)
    # A live workshop of a closed assessment could take no answers: it ends with it.
    Workshop.objects.filter(assessment=locked, ended_at__isnull=True).update(ended_at=now)
    closed = _save(locked, {"state": AssessmentState.CLOSED, "closed_at": now})
    event_emit(
        workspace_id=closed.workspace_id,
        type="assessment.closed",
        data={
            "assessment": closed.pk,
            "project": closed.project_id,
            "name": closed.name,
            "closed_at": closed.closed_at.isoformat(),
        },
    )
    return closed


@transaction.atomic
def assessment_reopen(
    *, assessment: Assessment, closes_on: datetime.date, now: datetime.datetime | None = None
) -> Assessment:
    """Reopen a closed assessment until `closes_on`: its links take answers again, from the
    people who have not submitted."""
    now = _now(now)
    locked = _locked_assessment(assessment)
    if locked.state != AssessmentState.CLOSED:
        raise ValidationError(
            f"Only a closed assessment can be reopened; this one is {locked.get_state_display().lower()}."
        )
    if closes_on < timezone.localdate(now):
        raise ValidationError("Choose a new closing date from today on.")
    if closes_on < locked.opens_on:
        raise ValidationError("Choose a new closing date after the opening date.")
    return _save(locked, {"state": AssessmentState.OPEN, "closes_on": closes_on, "closed_at": None})


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


def assessment_send_recorded(
    send: Callable[..., int], *, assessment_id: int, **arguments: Any
) -> int:
    """Run `send(assessment_id=…, **arguments)`; record a failure on the assessment and
    return 0 instead of raising, so one assessment never stops the others' e-mails."""
    try:
        count = send(assessment_id=assessment_id, **arguments)
    except Exception as error:  # the next assessment's e-mails must still go out
        logger.exception("Sending the e-mails of assessment %s failed.", assessment_id)
        Assessment.objects.filter(pk=assessment_id).update(
            send_error=f"The last sending run failed ({type(error).__name__}); nothing was "
            "marked as sent. Check the mail settings, then send again."
        )
        return 0
    Assessment.objects.filter(pk=assessment_id).exclude(send_error="").update(send_error="")
    return count
