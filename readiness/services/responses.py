"""Writes of responses: draft saves, submission and imports of answered surveys."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from readiness import csv_io, hooks
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
from readiness.services.projects import project_evidence_added, project_mark_for_recalculation
from readiness.survey import tokens

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
            raise ValidationError(
                gettext("Keep the answer under %(limit)s characters.") % {"limit": MAX_TEXT_ANSWER}
            )
        return AnswerValue(text=raw)
    if raw.lower().replace("'", "").replace(" ", "_") in {csv_io.DONT_KNOW, "dontknow"}:
        if item.kind == ItemKind.LIKERT and item.allow_dont_know:
            return AnswerValue(dont_know=True)
        raise ValidationError(gettext("“Don't know” is not an answer to this question."))
    low, high = (1, 5) if item.kind == ItemKind.LIKERT else (0, 10)
    allowed = f"{low}–{high}"
    if item.kind == ItemKind.LIKERT and item.allow_dont_know:
        allowed = gettext("%(range)s or dont_know") % {"range": allowed}
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(
            gettext("“%(answer)s” is not an answer: use %(allowed)s.")
            % {"answer": raw, "allowed": allowed}
        ) from None
    if not low <= value <= high:
        raise ValidationError(
            gettext("%(answer)s is out of range: use %(allowed)s.")
            % {"answer": value, "allowed": allowed}
        )
    return AnswerValue(value=value)


def _locked_invitation(invitation: Invitation) -> int | None:
    """Lock the invitation's row; refresh on `invitation` what may have changed since it was
    read (submitted, withdrawn, opened, the assessment's dates and state); return the id of
    its draft, or None when it has none yet.

    One query. The lock makes one submission per invitation, and keeps a draft save from
    writing into a response that is being submitted.
    """
    # FOR UPDATE OF the invitation only: over the join it would also lock the assessment's row,
    # and every draft save and submission of the assessment would wait for the others.
    draft = Response.objects.filter(invitation=OuterRef("pk"), status=ResponseStatus.DRAFT)
    assessment = invitation.assessment
    (
        invitation.submitted_at,
        invitation.withdrawn_at,
        invitation.opened_at,
        assessment.state,
        assessment.opens_on,
        assessment.closes_on,
        draft_id,
    ) = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(pk=invitation.pk)
        .values_list(
            "submitted_at",
            "withdrawn_at",
            "opened_at",
            "assessment__state",
            "assessment__opens_on",
            "assessment__closes_on",
            Subquery(draft.values("pk")[:1]),
        )
        .get()
    )
    return draft_id


def _refuse_unless_answerable(invitation: Invitation, now: datetime.datetime) -> None:
    if invitation.submitted_at is not None:
        raise AlreadySubmitted(
            gettext(
                "Your answers have already been submitted, so they cannot be changed. Thank you!"
            )
        )
    if invitation.withdrawn_at is not None:
        raise SurveyUnavailable(gettext("This survey link is not valid"))
    state = survey_state(assessment=invitation.assessment, today=timezone.localdate(now))
    if state == "closed":
        raise SurveyUnavailable(
            gettext("This survey is closed, so answers can no longer be saved.")
        )
    if state == "not_yet_open":
        raise SurveyUnavailable(gettext("This survey is not open yet; please come back later."))


@transaction.atomic
def response_save_draft(
    *,
    invitation: Invitation,
    answers: Mapping[str, str],
    step: int,
    now: datetime.datetime | None = None,
) -> None:
    """Save the answers of one survey step in the invitation's draft (blank clears an answer).

    Raise a ValidationError keyed by item code and store nothing when any answer is invalid.
    """
    now = _now(now)
    draft_id = _locked_invitation(invitation)
    _refuse_unless_answerable(invitation, now)
    # The survey's pages have prefetched the items already (`sections_of`): no second query.
    items = {item.code: item for item in invitation.assessment.template.items.all()}
    cleaned: dict[TemplateItem, AnswerValue | None] = {}
    errors: dict[str, list[str]] = {}
    for code, raw in answers.items():
        if code not in items:
            errors.setdefault("__all__", []).append(
                gettext("“%(code)s” is not a question of this survey.") % {"code": code}
            )
            continue
        try:
            cleaned[items[code]] = answer_clean(item=items[code], raw=raw)
        except ValidationError as error:
            errors[code] = error.messages
    if errors:
        raise ValidationError(errors)
    # Our own values on rows of the invitation locked above: nothing for full_clean() to
    # check that the constraints do not, and it would cost five queries per step.
    if draft_id is None:
        draft_id = Response.objects.create(
            workspace_id=invitation.workspace_id,
            invitation=invitation,
            assessment_id=invitation.assessment_id,
            source=ResponseSource.WORKSHOP if invitation.workshop_id else ResponseSource.WEB,
            current_step=max(step, 0),
            created_at=now,
        ).pk
    else:
        Response.objects.filter(pk=draft_id).update(current_step=max(step, 0), updated_at=now)
    cleared = [item for item, answer in cleaned.items() if answer is None]
    if cleared:
        Answer.objects.filter(response_id=draft_id, item__in=cleared).delete()
    Answer.objects.bulk_create(
        [
            Answer(
                response_id=draft_id, item=item, value=a.value, dont_know=a.dont_know, text=a.text
            )
            for item, a in cleaned.items()
            if a is not None
        ],
        update_conflicts=True,
        unique_fields=["response", "item"],
        update_fields=["value", "dont_know", "text"],
    )
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk).update(opened_at=now)
        invitation.opened_at = now


@transaction.atomic
def invitation_mark_opened(*, invitation: Invitation, now: datetime.datetime | None = None) -> None:
    """Record the first time the respondent opened the survey link."""
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=_now(now))


@transaction.atomic
def response_submit(*, invitation: Invitation, now: datetime.datetime | None = None) -> Response:
    """Submit the invitation's draft once; it becomes read-only and the project is marked for
    recalculation. A second submission raises AlreadySubmitted and changes nothing.

    The survey link submits through `response_submit_by_token`, which does the same.
    """
    now = _now(now)
    _locked_invitation(invitation)
    _refuse_unless_answerable(invitation, now)
    draft = (
        Response.objects.filter(invitation=invitation, status=ResponseStatus.DRAFT)
        .annotate(answer_count=Count("answers"))
        .first()
    )
    if draft is None or draft.answer_count == 0:
        raise ValidationError(gettext("Answer at least one question before you submit."))
    try:
        # The unique (invitation, status) constraint is the last line against a double submit.
        with transaction.atomic():
            Response.objects.filter(pk=draft.pk).update(
                status=ResponseStatus.SUBMITTED, submitted_at=now, updated_at=now
            )
    except IntegrityError:
        raise AlreadySubmitted(
            gettext(
                "Your answers have already been submitted, so they cannot be changed. Thank you!"
            )
        ) from None
    # Two timestamps from our own clock on the row locked above: nothing for full_clean() to
    # check, and it would cost four queries (both foreign keys, both unique constraints).
    Invitation.objects.filter(pk=invitation.pk).update(
        submitted_at=now, opened_at=invitation.opened_at or now
    )
    project_evidence_added(project_id=invitation.assessment.project_id)
    draft.status, draft.submitted_at, draft.updated_at = ResponseStatus.SUBMITTED, now, now
    invitation.submitted_at, invitation.opened_at = now, invitation.opened_at or now
    return draft


# The databases on which `response_submit_by_token` is one hand-written statement; elsewhere
# (SQLite, the embedded default) it finds the invitation and calls `response_submit`.
ONE_STATEMENT_VENDORS = frozenset({"postgresql"})

# What `response_submit` does, as one statement. Under load a submission's cost is Python and
# round trips, not PostgreSQL's work: building the ORM's queries (a five-table join to find the
# invitation, a second load to lock it) and ten round trips cost several times a bare INSERT
# (docs/performance.md, "Survey submission"). Here the invitation is found by its token,
# checked and locked once, the draft and the invitation are updated and the project's evidence
# change is recorded in the same statement, which is a transaction by itself. Any condition
# that fails (unknown or withdrawn link, already submitted, survey not open, no answer) updates
# nothing and returns no row; the caller then goes the general way, which says why.
SUBMIT_BY_TOKEN = """
WITH invitation AS (
    SELECT invitation.id, assessment.project_id
    FROM readiness_invitation AS invitation
    JOIN readiness_assessment AS assessment ON assessment.id = invitation.assessment_id
    WHERE (invitation.token_hash = %(token_hash)s OR invitation.previous_token_hash = %(token_hash)s)
        AND invitation.submitted_at IS NULL
        AND invitation.withdrawn_at IS NULL
        AND assessment.state = %(open)s
        AND assessment.opens_on <= %(today)s
        AND (assessment.closes_on IS NULL OR assessment.closes_on >= %(today)s)
    -- A second submission of the same link waits here, then finds it submitted: no row.
    FOR UPDATE OF invitation
), submitted AS (
    UPDATE readiness_response AS response
    SET status = %(submitted)s, submitted_at = %(now)s, updated_at = %(now)s
    FROM invitation
    WHERE response.invitation_id = invitation.id
        AND response.status = %(draft)s
        AND EXISTS (SELECT FROM readiness_answer AS answer WHERE answer.response_id = response.id)
    RETURNING response.invitation_id, invitation.project_id
), invitation_submitted AS (
    UPDATE readiness_invitation AS invitation
    SET submitted_at = %(now)s, opened_at = coalesce(invitation.opened_at, %(now)s)
    FROM submitted
    WHERE invitation.id = submitted.invitation_id
)
-- As project_evidence_added does, in the same transaction as the evidence: a row of its own,
-- so that the project's row is neither updated nor locked (EvidenceChange).
INSERT INTO readiness_evidencechange (project_id, created_at)
SELECT submitted.project_id, %(now)s FROM submitted
RETURNING project_id
"""


def response_submit_by_token(*, token: str, now: datetime.datetime | None = None) -> bool:
    """Submit the draft of the invitation whose survey link carries `token`; return whether it
    was submitted.

    False changes nothing: the link is unknown or withdrawn, the response was already
    submitted, the survey is not open, or the draft has no answer. The caller finds out which
    as it did before (the survey's `submit` view through `response_submit`'s messages).
    """
    now = _now(now)
    if not token or len(token) > 100:
        return False
    token_hash = tokens.hash_token(token)
    if connection.vendor not in ONE_STATEMENT_VENDORS:
        invitation = (
            Invitation.objects.select_related("assessment")
            .filter(Q(token_hash=token_hash) | Q(previous_token_hash=token_hash))
            .first()
        )
        if invitation is None:
            return False
        try:
            response_submit(invitation=invitation, now=now)
        except ValidationError:
            return False
        return True
    parameters = {
        "token_hash": token_hash,
        "today": timezone.localdate(now),
        "now": now,
        "open": AssessmentState.OPEN,
        "draft": ResponseStatus.DRAFT,
        "submitted": ResponseStatus.SUBMITTED,
    }
    try:
        # Outside a transaction the statement is one by itself (no BEGIN and COMMIT round
        # trips); inside a caller's, a savepoint keeps a refused statement from spoiling it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(SUBMIT_BY_TOKEN, parameters)
                row = cursor.fetchone()
    except IntegrityError:  # a submitted response the invitation did not record: refused
        return False
    if row is None:
        return False
    # Scoring sits above readiness: it publishes the recalculation once this has committed.
    hooks.evidence_changed(project_id=row[0])
    return True


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
    try:
        parsed = csv_io.read_responses(
            text,
            item_codes=items,
            clean=lambda code, raw: answer_clean(item=items[code], raw=raw),
            role_of=role_value,
        )
    except ValueError as error:  # an unreadable file: NUL byte, oversized cell, broken quote
        raise ValidationError(str(error)) from None
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
