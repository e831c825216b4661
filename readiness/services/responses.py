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
from readiness.services.invitations import _email_error, _role_value, invitation_create
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
