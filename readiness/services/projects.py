"""Writes of customer accounts and projects, and the recalculation mark."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from readiness import hooks
from readiness.models import Account, EvidenceChange, Project, ProjectStatus
from readiness.services._common import _save
from workspaces.models import Workspace

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
    The evidence version tells a recalculation that read the evidence before this change that
    its result is already out of date (it then leaves the flag set).
    """
    Project.objects.filter(pk=project_id).update(
        needs_recalculation=True, evidence_version=F("evidence_version") + 1
    )
    # Scoring sits above readiness, so it is asked through the hook it registered (after commit).
    hooks.evidence_changed(project_id=project_id)


def project_evidence_added(*, project_id: int) -> None:
    """Record that a response of the project was submitted, and enqueue its recalculation once
    the transaction commits.

    As `project_mark_for_recalculation`, in the transaction that changed the evidence, but
    without touching the project's row: concurrent submissions to one project never wait for
    each other (`EvidenceChange`). The same statement is part of `response_submit_by_token`.
    """
    EvidenceChange.objects.create(project_id=project_id)
    hooks.evidence_changed(project_id=project_id)


def account_active_project(*, account: Account) -> Project | None:
    """Return the account's active project: the newest one that is not closed."""
    return (
        account.projects.exclude(status=ProjectStatus.CLOSED)
        .order_by("-kickoff_date", "-created_at")
        .first()
    )
