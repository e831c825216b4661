"""Reads, always scoped to one workspace, shaped so a page's query count stays fixed."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from readiness.csv_io import DONT_KNOW, PERSON_COLUMNS
from readiness.models import (
    LEADERSHIP_ROLES,
    Account,
    Answer,
    Assessment,
    Invitation,
    ItemKind,
    Project,
    RespondentRole,
    Response,
    ResponseStatus,
    SurveyTemplate,
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
    return Invitation.objects.filter(assessment=assessment).annotate(has_draft=Exists(drafts))


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
            "assessment", "assessment__template", "assessment__project__account"
        )
        .filter(Q(token_hash=token_hash) | Q(previous_token_hash=token_hash))
        .first()
    )


def response_rates(*, assessment: Assessment) -> list[dict[str, object]]:
    """Return invited, submitted and the response rate overall and per segment."""
    submitted = Q(submitted_at__isnull=False)
    leaders = Q(role__in=LEADERSHIP_ROLES)
    users = Q(role=RespondentRole.END_USER)
    counts = Invitation.objects.filter(assessment=assessment).aggregate(
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


def response_export(*, assessment: Assessment) -> tuple[list[str], list[list[object]]]:
    """Return the header and one row per submitted response: person columns, then item codes."""
    codes = list(assessment.template.items.order_by("position").values_list("code", flat=True))
    responses = (
        Response.objects.filter(assessment=assessment, status=ResponseStatus.SUBMITTED)
        .select_related("invitation")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("item")))
        .order_by("invitation__name", "pk")
    )
    rows = []
    for response in responses:
        person = response.invitation
        by_code = {answer.item.code: answer for answer in response.answers.all()}
        cells: list[object] = [person.name, person.email, person.role, person.department]
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
        rows.append(cells)
    return [*PERSON_COLUMNS, *codes], rows


def concern_list(*, assessment: Assessment) -> QuerySet[Answer]:
    """Return the free-text answers of the assessment's submitted responses.

    Sorted by text rather than by time or person, so that the list alone does not tell who
    wrote what.
    """
    return (
        Answer.objects.filter(
            response__assessment=assessment,
            response__status=ResponseStatus.SUBMITTED,
            item__kind=ItemKind.TEXT,
        )
        .exclude(text="")
        .order_by("text", "pk")
    )


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
