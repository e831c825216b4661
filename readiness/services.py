"""Every write to workspaces, accounts, projects, templates and assessments goes through here."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from readiness import tokens
from readiness.default_template import DEFAULT_ITEMS, DEFAULT_TEMPLATE_NAME
from readiness.models import (
    Account,
    Assessment,
    AssessmentState,
    Invitation,
    Membership,
    Project,
    ProjectStatus,
    Role,
    SurveyTemplate,
    TemplateItem,
    Workspace,
)


def _save(instance: Any, fields: Mapping[str, Any]) -> Any:
    """Set `fields` on `instance`, validate the whole object and save it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


# --- Workspaces and members ---------------------------------------------------------------


@transaction.atomic
def workspace_create(*, name: str, slug: str = "") -> Workspace:
    """Create a workspace with its built-in default survey template."""
    workspace = _save(Workspace(), {"name": name, "slug": slug or slugify(name)[:60]})
    default_template_ensure(workspace=workspace)
    return workspace


@transaction.atomic
def membership_set(*, workspace: Workspace, user: AbstractBaseUser, role: str) -> Membership:
    """Give `user` the `role` in `workspace`, adding the membership when there is none."""
    membership, _ = Membership.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    if role != Role.ADMIN:
        _refuse_losing_last_admin(membership)
    return _save(membership, {"role": role})


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member, refusing to remove the workspace's last admin."""
    _refuse_losing_last_admin(membership)
    membership.delete()


def _refuse_losing_last_admin(membership: Membership) -> None:
    others = Membership.objects.select_for_update().filter(
        workspace_id=membership.workspace_id, role=Role.ADMIN
    )
    if membership.role == Role.ADMIN and not others.exclude(pk=membership.pk).exists():
        raise ValidationError(
            "A workspace needs at least one admin: make someone else admin first."
        )


# --- Survey templates ---------------------------------------------------------------------


@transaction.atomic
def default_template_ensure(*, workspace: Workspace) -> SurveyTemplate:
    """Return the workspace's default ADKAR template, creating it (SPEC §3) when missing."""
    template = (
        SurveyTemplate.objects.for_workspace(workspace)
        .filter(is_default=True)
        .order_by("-version")
        .first()
    )
    if template is not None:
        return template
    template = _save(
        SurveyTemplate(workspace=workspace),
        {
            "name": DEFAULT_TEMPLATE_NAME,
            "version": 1,
            "is_default": True,
            "description": "The built-in ADKAR readiness survey with leadership and sentiment.",
        },
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            position=position,
            code=spec.code,
            kind=spec.kind,
            dimension=spec.dimension,
            wording=spec.wording,
            allow_dont_know=spec.kind == "likert",
        )
        for position, spec in enumerate(DEFAULT_ITEMS, start=1)
    )
    return template


@transaction.atomic
def template_revise(*, template: SurveyTemplate, wordings: Mapping[str, str]) -> SurveyTemplate:
    """Change item wordings; a template that an assessment uses is left as is and a new
    version is made instead. Return the template that holds the new wordings."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    items = list(template.items.all())
    changed = {code: text for code, text in wordings.items() if text.strip()}
    if all(item.wording == changed.get(item.code, item.wording) for item in items):
        return template
    if template.is_frozen:
        latest = SurveyTemplate.objects.filter(
            workspace=template.workspace, name=template.name
        ).aggregate(Max("version"))["version__max"]
        revised = _save(
            SurveyTemplate(workspace=template.workspace),
            {
                "name": template.name,
                "version": latest + 1,
                "description": template.description,
                "is_default": template.is_default,
                "previous_version": template,
            },
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                template=revised,
                position=item.position,
                code=item.code,
                kind=item.kind,
                dimension=item.dimension,
                wording=changed.get(item.code, item.wording),
                allow_dont_know=item.allow_dont_know,
                required=item.required,
            )
            for item in items
        )
        return revised
    for item in items:
        if item.code in changed:
            _save(item, {"wording": changed[item.code]})
    return template


# --- Accounts and projects ----------------------------------------------------------------


@transaction.atomic
def account_create(*, workspace: Workspace, **fields: Any) -> Account:
    """Create a customer account in `workspace`."""
    return _save(Account(workspace=workspace), fields)


@transaction.atomic
def account_update(*, account: Account, **fields: Any) -> Account:
    """Change a customer account's details."""
    return _save(account, fields)


@transaction.atomic
def project_create(*, workspace: Workspace, account: Account, **fields: Any) -> Project:
    """Create an implementation project at one of the workspace's accounts."""
    if account.workspace_id != workspace.pk:
        raise ValueError("The account belongs to another workspace.")
    return _save(Project(workspace=workspace, account=account), fields)


@transaction.atomic
def project_update(*, project: Project, **fields: Any) -> Project:
    """Change a project's details; evidence-relevant changes mark it for recalculation."""
    scored = ("licensed_seats", "tracked_features", "status")
    # Compared with the stored row: a ModelForm has already set the new values on `project`.
    stored = Project.objects.filter(pk=project.pk).values(*scored).get()
    changed = any(stored[name] != value for name, value in fields.items() if name in scored)
    project = _save(project, fields)
    if changed:
        project_mark_for_recalculation(project_id=project.pk)
        project.needs_recalculation = True
    return project


def project_mark_for_recalculation(*, project_id: int) -> None:
    """Mark a project's score stale and enqueue its recalculation once the transaction commits.

    Call inside the transaction that changed its evidence. The flag is the source of truth:
    if the broker is down the enqueue is skipped with a warning and the periodic sweep catches up.
    """
    # Imported here because scoring depends on readiness, not the other way round.
    from scoring.services import project_recalculation_request

    Project.objects.filter(pk=project_id).update(needs_recalculation=True)
    project_recalculation_request(project_id=project_id)


def account_active_project(*, account: Account) -> Project | None:
    """Return the account's active project: the newest one that is not closed."""
    return (
        account.projects.exclude(status=ProjectStatus.CLOSED)
        .order_by("-kickoff_date", "-created_at")
        .first()
    )


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
