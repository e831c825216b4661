"""Writes of responses: draft saves, submission and imports of answered surveys."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from readiness import csv_io
from readiness.models import (
    Answer,
    Assessment,
    AssessmentState,
    Invitation,
    ItemKind,
    Response,
    ResponseSource,
    ResponseStatus,
    TemplateItem,
)
from readiness.services._common import _now, _save
from readiness.services.assessments import (
    AlreadySubmitted,
    SurveyUnavailable,
    _locked_assessment,
    survey_state,
)
from readiness.services.invitations import invitation_create, role_value
from readiness.services.projects import project_mark_for_recalculation

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


@dataclass(frozen=True)
class ImportResult:
    imported: int
    invited: int


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
    parsed = csv_io.read_responses(
        text,
        item_codes=items,
        clean=lambda code, raw: answer_clean(item=items[code], raw=raw),
        role_of=role_value,
    )
    if not parsed.header:
        raise ValidationError(csv_io.shown_problems(parsed.problems))
    invitations = {inv.email: inv for inv in assessment.invitations.all()}
    problems = list(parsed.problems)
    for row in parsed.rows:
        invitation = invitations.get(row.email)
        if invitation is None or row.repeats_line is not None:
            continue
        if invitation.submitted_at is not None:
            problems.append(
                (row.line, f"Line {row.line}: duplicate — {row.email} has already submitted a "
                 "response to this assessment; remove the line (nothing is changed by "
                 "importing it again).")
            )  # fmt: skip
        elif row.role and invitation.role != row.role:
            problems.append(
                (row.line, f"Line {row.line}: {row.email} is invited as "
                 f"{invitation.get_role_display().lower()}, not {row.role}; correct the role.")
            )  # fmt: skip
    if problems:
        raise ValidationError(csv_io.shown_problems(problems))
    if not parsed.rows:
        raise ValidationError("The file has a header but no responses.")

    invited = 0
    for row in parsed.rows:
        invitation = invitations.get(row.email)
        if invitation is None:
            invitation = invitation_create(
                assessment=assessment,
                name=row.name,
                email=row.email,
                role=row.role,
                department=row.department,
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
            Answer(
                response=response,
                item=items[code],
                value=a.value,
                dont_know=a.dont_know,
                text=a.text,
            )
            for code, a in row.answers.items()
        )
        Invitation.objects.filter(pk=invitation.pk).update(submitted_at=now)
    project_mark_for_recalculation(project_id=assessment.project_id)
    return ImportResult(imported=len(parsed.rows), invited=invited)
