"""Reads, always scoped to one workspace, shaped so a page's query count stays fixed."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from readiness.models import (
    Account,
    Assessment,
    Invitation,
    Membership,
    Project,
    ResponseStatus,
    SurveyTemplate,
    Workspace,
)

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
    return Invitation.objects.filter(assessment=assessment)


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
