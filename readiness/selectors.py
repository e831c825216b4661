"""Reads, always scoped to one workspace, shaped so a page's query count stays fixed."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.shortcuts import get_object_or_404

from readiness import hooks
from readiness.csv_io import DONT_KNOW, PERSON_COLUMNS
from readiness.default_prompts import DEFAULT_PROMPTS
from readiness.models import (
    LEADERSHIP_ROLES,
    Account,
    Answer,
    Assessment,
    EvidenceChange,
    Invitation,
    ItemKind,
    Project,
    RespondentRole,
    Response,
    ResponseStatus,
    SurveyTemplate,
    Workshop,
    WorkshopPrompt,
)
from readiness.survey import tokens
from workspaces.models import Membership, Workspace

M = TypeVar("M")


def get_in_workspace(queryset: QuerySet[M], workspace: Workspace, pk: object) -> M:
    """Return the object with `pk` in `workspace`, or raise 404 as if it did not exist."""
    return get_object_or_404(queryset.filter(workspace=workspace), pk=pk)


def account_list(*, workspace: Workspace) -> QuerySet[Account]:
    """Return the workspace's accounts with their owner and project count."""
    return (
        Account.objects.for_workspace(workspace)
        .select_related("owner")
        .annotate(project_count=Count("projects"))
    )


def account_get(*, workspace: Workspace, account_id: int) -> Account:
    return get_in_workspace(Account.objects.select_related("owner"), workspace, account_id)


def project_list(*, workspace: Workspace) -> QuerySet[Project]:
    """Return the workspace's projects with their account and assessment count."""
    return (
        Project.objects.for_workspace(workspace)
        .select_related("account", "account__owner")
        .annotate(assessment_count=Count("assessments", distinct=True))
    )


def projects_with_recalculation_due(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate each project with `recalculation_due`: its score does not include all its
    evidence yet, because it is marked (`needs_recalculation`) or has a submission not yet
    counted (`EvidenceChange`)."""
    return queryset.annotate(
        recalculation_due=ExpressionWrapper(
            Q(needs_recalculation=True)
            | Exists(EvidenceChange.objects.filter(project_id=OuterRef("pk"))),
            output_field=BooleanField(),
        )
    )


def project_recalculation_due(project: Project) -> bool:
    """Return whether the project's score is about to change (see the annotation above)."""
    if project.needs_recalculation:
        return True
    annotated = getattr(project, "recalculation_due", None)
    if annotated is not None:
        return annotated
    return EvidenceChange.objects.filter(project_id=project.pk).exists()


def project_ids_needing_recalculation() -> list[int]:
    """Return every project whose recalculation is due, in every workspace (the sweep's work)."""
    marked = Project.objects.filter(needs_recalculation=True).values_list("pk", flat=True)
    changed = EvidenceChange.objects.values_list("project_id", flat=True).distinct()
    existing = Project.objects.filter(pk__in=changed).values_list("pk", flat=True)
    return sorted({*marked, *existing})


def project_get(*, workspace: Workspace, project_id: int) -> Project:
    return get_in_workspace(
        Project.objects.select_related("account", "account__owner"), workspace, project_id
    )


def assessment_list_for_project(*, project: Project) -> QuerySet[Assessment]:
    """Return a project's assessments with invitation and submission counts."""
    return (
        Assessment.objects.filter(project=project)
        .select_related("template")
        .annotate(
            invitation_count=Count("invitations", distinct=True),
            submitted_count=Count(
                "responses", filter=Q(responses__status=ResponseStatus.SUBMITTED), distinct=True
            ),
        )
    )


def assessment_get(*, workspace: Workspace, assessment_id: int) -> Assessment:
    return get_in_workspace(
        Assessment.objects.select_related("project", "project__account", "template"),
        workspace,
        assessment_id,
    )


def invitation_list(*, assessment: Assessment) -> QuerySet[Invitation]:
    """Return an assessment's invitations, each marked with whether a draft is saved."""
    drafts = Response.objects.filter(invitation=OuterRef("pk"), status=ResponseStatus.DRAFT)
    # Workshop participants are anonymous: the workshops panel counts them instead.
    return Invitation.objects.filter(assessment=assessment, workshop__isnull=True).annotate(
        has_draft=Exists(drafts)
    )


def invitation_get(*, workspace: Workspace, invitation_id: int) -> Invitation:
    return get_in_workspace(
        Invitation.objects.select_related("assessment", "assessment__project"),
        workspace,
        invitation_id,
    )


def invitation_by_token(*, token: str) -> Invitation | None:
    """Return the invitation whose personal link carries `token`, or None."""
    if not token or len(token) > 100:
        return None
    token_hash = tokens.hash_token(token)
    return (
        Invitation.objects.select_related(
            "workspace", "assessment", "assessment__template", "assessment__project__account"
        )
        .filter(Q(token_hash=token_hash) | Q(previous_token_hash=token_hash))
        .first()
    )


def response_rates(*, assessment: Assessment) -> list[dict[str, object]]:
    """Return invited, submitted and the response rate overall and per segment."""
    submitted = Q(submitted_at__isnull=False)
    leaders = Q(role__in=LEADERSHIP_ROLES)
    users = Q(role=RespondentRole.END_USER)
    # A withdrawn invitation leaves the denominator (and never has a submission).
    counts = Invitation.objects.filter(assessment=assessment, withdrawn_at__isnull=True).aggregate(
        all_invited=Count("pk"),
        all_submitted=Count("pk", filter=submitted),
        leadership_invited=Count("pk", filter=leaders),
        leadership_submitted=Count("pk", filter=leaders & submitted),
        end_users_invited=Count("pk", filter=users),
        end_users_submitted=Count("pk", filter=users & submitted),
    )
    rates = []
    for key, label in (
        ("all", "Everyone"),
        ("leadership", "Leadership"),
        ("end_users", "End users"),
    ):
        invited, done = counts[f"{key}_invited"], counts[f"{key}_submitted"]
        rate = 100 * done / invited if invited else None
        rates.append(
            {"key": key, "label": label, "invited": invited, "submitted": done, "rate": rate}
        )
    return rates


def survey_draft_answers(*, invitation: Invitation) -> dict[str, Answer]:
    """Return the invitation's draft answers by item code."""
    answers = Answer.objects.filter(
        response__invitation=invitation, response__status=ResponseStatus.DRAFT
    ).select_related("item")
    return {answer.item.code: answer for answer in answers}


def survey_draft(*, invitation: Invitation) -> Response | None:
    return Response.objects.filter(invitation=invitation, status=ResponseStatus.DRAFT).first()


def response_export(
    *,
    assessment: Assessment,
    identified: bool = False,
    limit: int | None = None,
    min_group_size: int = 1,
) -> tuple[list[str], list[list[object]]]:
    """Return the header and one row per submitted response: person columns, then item codes.

    De-identified (the default): no name and no e-mail, rows in random order, only the first
    `limit` responses submitted (those the report's figures cover), and a role, department or
    attribute value held by fewer than `min_group_size` of the rows is left blank, so no value
    singles a person out. `identified` writes names and e-mails, in name order, every response.
    """
    codes = list(assessment.template.items.order_by("position").values_list("code", flat=True))
    responses = (
        Response.objects.filter(assessment=assessment, status=ResponseStatus.SUBMITTED)
        .select_related("invitation")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("item")))
    )
    if identified:
        responses = responses.order_by("invitation__name", "pk")
    else:
        responses = responses.order_by(F("submitted_at").asc(nulls_last=True), "pk")
        responses = responses[: limit or 0] if limit is not None else responses
    responses = list(responses)
    attribute_names = sorted({name for r in responses for name in r.invitation.attributes or {}})
    rows = []
    for response in responses:
        person = response.invitation
        attributes = person.attributes or {}
        cells: list[object] = [person.role, person.department]
        cells += [attributes.get(name, "") for name in attribute_names]
        by_code = {answer.item.code: answer for answer in response.answers.all()}
        for code in codes:
            answer = by_code.get(code)
            if answer is None:
                cells.append("")
            elif answer.dont_know:
                cells.append(DONT_KNOW)
            elif answer.value is not None:
                cells.append(answer.value)
            else:
                cells.append(answer.text)
        rows.append([person.name, person.email, *cells] if identified else cells)
    segment_columns = ["role", "department", *attribute_names]
    if identified:
        return [*PERSON_COLUMNS, *attribute_names, *codes], rows
    _blank_small_segments(rows, len(segment_columns), min_group_size)
    random.SystemRandom().shuffle(rows)
    return [*segment_columns, *codes], rows


def _blank_small_segments(rows: list[list[object]], columns: int, min_group_size: int) -> None:
    """Blank each of the first `columns` cells whose value fewer than the minimum rows share."""
    for column in range(columns):
        counts = Counter(row[column] for row in rows)
        for row in rows:
            if counts[row[column]] < min_group_size:
                row[column] = ""


@dataclass(frozen=True)
class Concerns:
    """What the assessment page may show of the free-text concerns."""

    shown: bool
    texts: tuple[str, ...]
    min_group_size: int


def assessment_concerns(*, assessment: Assessment) -> Concerns:
    """Return the concerns of the responses the figures cover, or none below the minimum.

    Free text can identify its writer, and the page lists who submitted: below the minimum
    group size neither the texts nor their number are given. Above it, only the concerns of the
    responses the round's figures cover (the first submitted, growing by at least the minimum
    group size at a time): a concern never appears just after one person submitted.
    """
    minimum = hooks.min_group_size(workspace_id=assessment.workspace_id)
    covered = hooks.responses_shown(assessment_id=assessment.pk)
    if covered < minimum:
        return Concerns(shown=False, texts=(), min_group_size=minimum)
    responses = (
        Response.objects.filter(assessment=assessment, status=ResponseStatus.SUBMITTED)
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")
        .values("pk")[:covered]
    )
    texts = tuple(
        Answer.objects.filter(response__in=Subquery(responses), item__kind=ItemKind.TEXT)
        .exclude(text="")
        .order_by("text", "pk")
        .values_list("text", flat=True)
    )
    return Concerns(shown=True, texts=texts, min_group_size=minimum)


def template_list(*, workspace: Workspace) -> QuerySet[SurveyTemplate]:
    """Return the workspace's templates, newest version first, with item and usage counts."""
    return (
        SurveyTemplate.objects.for_workspace(workspace)
        .annotate(
            item_count=Count("items", distinct=True),
            assessment_count=Count("assessments", distinct=True),
        )
        .order_by("name", "-version")
    )


def template_latest_versions(*, workspace: Workspace) -> QuerySet[SurveyTemplate]:
    """Return only the newest version of each of the workspace's templates."""
    newest = (
        SurveyTemplate.objects.filter(workspace=workspace, name=OuterRef("name"))
        .values("name")
        .annotate(newest=Max("version"))
        .values("newest")
    )
    return SurveyTemplate.objects.for_workspace(workspace).filter(version=Subquery(newest))


def template_get(*, workspace: Workspace, template_id: int) -> SurveyTemplate:
    return get_in_workspace(
        SurveyTemplate.objects.prefetch_related("items"), workspace, template_id
    )


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user")


def membership_get(*, workspace: Workspace, membership_id: int) -> Membership:
    return get_in_workspace(Membership.objects.select_related("user"), workspace, membership_id)


# --- Workshops ----------------------------------------------------------------------------


def _with_counts(queryset: QuerySet[Workshop]) -> QuerySet[Workshop]:
    return queryset.annotate(
        joined=Count("participants", distinct=True),
        submitted=Count(
            "participants", filter=Q(participants__submitted_at__isnull=False), distinct=True
        ),
    )


def workshop_get(*, workspace: Workspace, workshop_id: int) -> Workshop:
    """Return the workshop with its assessment, project and account, or raise 404."""
    return get_in_workspace(
        Workshop.objects.select_related("assessment__project__account"), workspace, workshop_id
    )


def workshop_list_for_assessment(*, assessment: Assessment) -> QuerySet[Workshop]:
    """Return an assessment's workshops, newest first, with joined and submitted counts."""
    return _with_counts(Workshop.objects.filter(assessment=assessment))


def workshop_by_code(*, code: str) -> Workshop | None:
    """Return the workshop (live or ended) whose join code is `code`, or None."""
    # Codes are letters and digits: anything else (a NUL byte, say) cannot match.
    if not code or len(code) > 20 or not code.isascii() or not code.isalnum():
        return None
    return (
        Workshop.objects.select_related("assessment__template", "assessment__project__account")
        .filter(code=code)
        .first()
    )


def workshop_prompts(*, workspace: Workspace) -> dict[str, list[str]]:
    """Return the workspace's discussion prompts per ADKAR dimension (the defaults until saved)."""
    rows = WorkshopPrompt.objects.filter(workspace=workspace).values_list("dimension", "text")
    prompts: dict[str, list[str]] = {}
    for dimension, text in rows:
        prompts.setdefault(dimension, []).append(text)
    if not prompts:
        return {dimension: list(texts) for dimension, texts in DEFAULT_PROMPTS.items()}
    return prompts
