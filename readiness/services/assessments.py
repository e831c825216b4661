"""Writes of assessments: creation, changes and the draft → open → closed lifecycle."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness.models import Assessment, AssessmentState, Project, SurveyTemplate
from readiness.services._common import _now, _save
from workspaces.events import event_emit

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
    closed = _save(locked, {"state": AssessmentState.CLOSED, "closed_at": _now(now)})
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
