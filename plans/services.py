"""Every write of change plans: the action library, actions and their log, measured effects."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from plans import effects, selectors
from plans.library import DEFAULT_ENTRIES
from plans.models import (
    GROUP_ALL,
    OPEN_STATUSES,
    WORKED_STATUSES,
    Action,
    ActionEffect,
    ActionLibraryEntry,
    ActionStatus,
    ActionUpdate,
    CheckpointRound,
    DigestPreference,
    EntryKind,
    Target,
    target_group_label,
)
from readiness.models import Assessment, Project
from readiness.services import assessment_create, default_template_ensure, invitation_create
from scoring.models import ScoreSnapshot, ScoringModel
from workspaces.events import event_emit
from workspaces.models import Membership, Workspace

# Fields of an action a page may set; everything else is set by the services themselves.
ACTION_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "target",
    "target_group",
    "owner",
    "customer_owner_name",
    "customer_owner_email",
    "due_on",
    "source_assessment",
)
LIBRARY_FIELDS: tuple[str, ...] = ("target", "kind", "title", "guidance", "suggested_duration_days")


def _save(instance: Any, fields: Mapping[str, Any]) -> Any:
    """Set `fields` on `instance`, validate the whole object and save it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def _refuse_unknown(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {', '.join(sorted(unknown))}.")


# --- The action library -------------------------------------------------------------------


@transaction.atomic
def action_library_ensure_for(workspace: Workspace) -> int:
    """Give a workspace without a library the default entries; return how many were added."""
    if ActionLibraryEntry.objects.for_workspace(workspace).exists():
        return 0
    entries = [
        ActionLibraryEntry(
            workspace=workspace,
            target=entry.target,
            kind=entry.kind,
            title=entry.title,
            guidance=entry.guidance,
            suggested_duration_days=entry.suggested_duration_days,
            position=position,
        )
        for position, entry in enumerate(DEFAULT_ENTRIES)
    ]
    ActionLibraryEntry.objects.bulk_create(entries)
    return len(entries)


@transaction.atomic
def library_entry_create(*, workspace: Workspace, **fields: Any) -> ActionLibraryEntry:
    """Add an entry to the workspace's action library, after the others of its target."""
    _refuse_unknown(fields, LIBRARY_FIELDS)
    last = (
        ActionLibraryEntry.objects.for_workspace(workspace)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return _save(ActionLibraryEntry(workspace=workspace, position=(last or 0) + 1), fields)


@transaction.atomic
def library_entry_update(*, entry: ActionLibraryEntry, **fields: Any) -> ActionLibraryEntry:
    """Change a library entry; actions made from it keep their own copy of its words."""
    _refuse_unknown(fields, LIBRARY_FIELDS)
    return _save(entry, fields)


@transaction.atomic
def library_entry_delete(*, entry: ActionLibraryEntry) -> None:
    """Remove a library entry; actions made from it stay as they are."""
    entry.delete()


# --- Actions ------------------------------------------------------------------------------


def _check_references(
    project: Project, owner: Membership | None, source: Assessment | None
) -> None:
    # Forms offer only this workspace's members and this project's assessments; a service
    # caller gets the same guarantee.
    if owner is not None and owner.workspace_id != project.workspace_id:
        raise ValidationError({"owner": "Choose a member of this workspace as the owner."})
    if source is not None and source.project_id != project.pk:
        raise ValidationError(
            {"source_assessment": "Choose an assessment of this project, or none."}
        )


def _log(
    *,
    action: Action,
    user: AbstractBaseUser | None,
    note: str = "",
    status_before: str = "",
    status_after: str = "",
    now: datetime.datetime | None = None,
) -> ActionUpdate:
    return _save(
        ActionUpdate(
            workspace_id=action.workspace_id,
            action=action,
            author=user,
            created_at=now or timezone.now(),
        ),
        {"note": note, "status_before": status_before, "status_after": status_after},
    )


def _owner_name(owner: Membership | None) -> str:
    if owner is None:
        return "nobody"
    return owner.user.get_full_name() or owner.user.username


@transaction.atomic
def action_create(
    *,
    project: Project,
    user: AbstractBaseUser | None,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> Action:
    """Add an action to a project's change plan by hand (`now` dates it, for imported plans)."""
    _refuse_unknown(fields, (*ACTION_FIELDS, "library_entry", "from_recommendation"))
    _check_references(project, fields.get("owner"), fields.get("source_assessment"))
    now = now or timezone.now()
    action = _save(
        Action(workspace_id=project.workspace_id, project=project, created_by=user, created_at=now),
        fields,
    )
    _log(action=action, user=user, note="Added to the change plan.", now=now)
    return action


@transaction.atomic
def action_add_from_prompt(
    *,
    project: Project,
    user: AbstractBaseUser | None,
    owner: Membership | None,
    target: str,
    prompt: str,
    source_assessment: Assessment,
) -> tuple[Action, bool]:
    """Turn a workshop's discussion prompt into an action of the plan, once.

    Return the action and whether it was added: an open action with the same title and target
    is the one the room already decided on, so a second click adds nothing.
    """
    title = " ".join(prompt.split())[:200]
    open_action = (
        Action.objects.filter(project=project, target=target, title=title)
        .filter(status__in=OPEN_STATUSES)
        .first()
    )
    if open_action is not None:
        return open_action, False
    action = action_create(
        project=project,
        user=user,
        title=title,
        description="From the discussion at the kick-off workshop.",
        target=target,
        target_group=GROUP_ALL,
        owner=owner,
        source_assessment=source_assessment,
    )
    return action, True


def _latest_scored_assessment(project: Project) -> Assessment | None:
    # The snapshot records the assessment its figures come from: that round led to the action.
    snapshot = (
        ScoreSnapshot.objects.filter(workspace_id=project.workspace_id, project=project)
        .exclude(assessment=None)
        .select_related("assessment")
        .order_by("-created_at", "-id")
        .first()
    )
    return snapshot.assessment if snapshot else None


def action_add_recommended(
    *,
    project: Project,
    user: AbstractBaseUser | None,
    owner: Membership | None,
    target: str,
    target_group: str,
    today: datetime.date | None = None,
) -> tuple[Action, bool]:
    """Add a recommendation to the plan, pre-filled from the library; return (action, added).

    While an open action for the same target and group came from a recommendation, that
    action is returned and nothing is added (a database constraint holds this even when two
    people click at once).
    """
    if target not in Target.values:
        raise ValidationError("This recommendation is not one the report makes.")
    existing = _open_recommended(project, target, target_group)
    if existing is not None:
        return existing, False
    entry = (
        ActionLibraryEntry.objects.filter(
            workspace_id=project.workspace_id, target=target, kind=EntryKind.ACTION
        )
        .order_by("position", "id")
        .first()
    )
    label = Target(target).label
    today = today or timezone.localdate()
    fields: dict[str, Any] = {
        "title": entry.title if entry else f"Improve {label}",
        "description": entry.guidance if entry else "",
        "target": target,
        "target_group": target_group,
        "owner": owner,
        "due_on": today + datetime.timedelta(days=entry.suggested_duration_days if entry else 30),
        "source_assessment": _latest_scored_assessment(project),
        "library_entry": entry,
        "from_recommendation": True,
    }
    try:
        with transaction.atomic():
            return action_create(project=project, user=user, **fields), True
    except (IntegrityError, ValidationError):
        # Someone added the same recommendation in between: theirs is the one.
        existing = _open_recommended(project, target, target_group)
        if existing is None:
            raise
        return existing, False


def _open_recommended(project: Project, target: str, target_group: str) -> Action | None:
    return (
        Action.objects.filter(
            workspace_id=project.workspace_id,
            project=project,
            target=target,
            target_group=target_group,
            from_recommendation=True,
            status__in=OPEN_STATUSES,
        )
        .order_by("id")
        .first()
    )


@transaction.atomic
def action_update(*, action: Action, user: AbstractBaseUser | None, **fields: Any) -> Action:
    """Edit an action; a new owner, due date or target group is written to its log."""
    _refuse_unknown(fields, ACTION_FIELDS)
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("owner__user")
        .get(pk=action.pk)
    )
    _check_references(
        action.project,
        fields.get("owner", action.owner),
        fields.get("source_assessment", action.source_assessment),
    )
    notes = []
    if "owner" in fields and fields["owner"] != action.owner:
        notes.append(
            f"Reassigned from {_owner_name(action.owner)} to {_owner_name(fields['owner'])}."
        )
    if "due_on" in fields and fields["due_on"] != action.due_on:
        due = fields["due_on"]
        notes.append(f"Due date set to {due:%Y-%m-%d}." if due else "Due date removed.")
    if "target_group" in fields and fields["target_group"] != action.target_group:
        notes.append(f"Target group set to {target_group_label(fields['target_group'])}.")
    if "due_on" in fields and fields["due_on"] != action.due_on:
        # A new due date: the action is announced again if it becomes overdue again.
        action.overdue_announced_at = None
    _save(action, fields)
    if notes:
        _log(action=action, user=user, note=" ".join(notes))
    return action


@transaction.atomic
def action_status_change(
    *,
    action: Action,
    user: AbstractBaseUser | None,
    status: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ActionUpdate:
    """Record a dated update: a new status, a note, or both (dated `now`, by default today)."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose one of the listed statuses."})
    note = note.strip()
    if status == action.status and not note:
        raise ValidationError("Write a note or change the status.")
    if status != action.status and action.from_recommendation and status in OPEN_STATUSES:
        # Reopening must not make two open actions for one recommendation.
        clash = _open_recommended(action.project, action.target, action.target_group)
        if clash is not None and clash.pk != action.pk:
            raise ValidationError(
                "Another open action already answers this recommendation: update that one."
            )
    before = action.status
    if status == before:
        return _log(action=action, user=user, note=note, now=now)
    _save(action, {"status": status})
    if status in WORKED_STATUSES:
        # An action carried out after the later round was scored is measured against it now.
        latest = (
            ScoreSnapshot.objects.filter(
                workspace_id=action.workspace_id, project=action.project_id
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is not None:
            action_effects_record(snapshots=[latest], action_ids=[action.pk])
    return _log(
        action=action, user=user, note=note, status_before=before, status_after=status, now=now
    )


def action_drop(*, action: Action, user: AbstractBaseUser | None, note: str = "") -> ActionUpdate:
    """Drop an action: it leaves the open plan, and its history stays."""
    return action_status_change(action=action, user=user, status=ActionStatus.DROPPED, note=note)


# --- Checkpoints --------------------------------------------------------------------------


@transaction.atomic
def checkpoint_round_create(
    *,
    project: Project,
    code: str,
    name: str,
    opens_on: datetime.date,
    closes_on: datetime.date | None,
    invitation_ids: Collection[int],
) -> Assessment:
    """Create a checkpoint's round as a draft assessment inviting people of the previous round.

    The draft keeps the previous round's template, so the answers compare item by item, and
    takes the chosen people (name, e-mail, role, department) with new personal links; more
    can be invited on the assessment's page before it opens.
    """
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if CheckpointRound.objects.filter(project=project, code=code).exists():
        raise ValidationError("This checkpoint's round already exists: open it from the plan.")
    previous = selectors.previous_round(project=project)
    template = (
        previous.template if previous else default_template_ensure(workspace=project.workspace)
    )
    assessment = assessment_create(
        project=project, template=template, name=name, opens_on=opens_on, closes_on=closes_on
    )
    for person in selectors.previous_invitations(assessment=previous).filter(pk__in=invitation_ids):
        invitation_create(
            assessment=assessment,
            name=person.name,
            email=person.email,
            role=person.role,
            department=person.department,
        )
    _save(
        CheckpointRound(workspace_id=project.workspace_id, project=project, assessment=assessment),
        {"code": code},
    )
    return assessment


# --- The daily digest --------------------------------------------------------------------


def _digest_email(owner: Membership, actions: list[Action], today: datetime.date) -> Any:
    overdue = [a for a in actions if a.due_on < today]
    context = {
        "name": owner.user.get_full_name() or owner.user.username,
        "workspace": owner.workspace.name,
        "overdue": overdue,
        "due_soon": [a for a in actions if a.due_on >= today],
        "today": today,
        "link": settings.SITE_URL.rstrip("/") + reverse("plans:my_actions"),
    }
    subject = " ".join(render_to_string("plans/email/digest_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("plans/email/digest.txt", context), to=[owner.user.email]
    )
    message.attach_alternative(render_to_string("plans/email/digest.html", context), "text/html")
    return message


@transaction.atomic
def action_digests_send(*, today: datetime.date | None = None, connection: Any = None) -> int:
    """E-mail each owner one digest of their actions due in three days or overdue.

    Nothing goes to a member with nothing due, to one who turned the digest off, or twice on
    the same day (running again is harmless). Return how many digests were sent.
    """
    today = today or timezone.localdate()
    by_owner: dict[int, list[Action]] = {}
    owners: dict[int, Membership] = {}
    for action in selectors.digest_actions(today=today):
        by_owner.setdefault(action.owner_id, []).append(action)
        owners[action.owner_id] = action.owner
    if not by_owner:
        return 0
    messages = [_digest_email(owners[pk], actions, today) for pk, actions in by_owner.items()]
    (connection or get_connection()).send_messages(messages)
    # Marked after sending: a failed send rolls this back and the next run tries again.
    DigestPreference.objects.bulk_create(
        [DigestPreference(membership_id=pk) for pk in by_owner], ignore_conflicts=True
    )
    DigestPreference.objects.filter(membership_id__in=by_owner).update(last_digest_on=today)
    return len(messages)


# --- Overdue actions ----------------------------------------------------------------------

ACTION_OVERDUE = "action.overdue"


def action_overdue_data(*, action: Action, today: datetime.date) -> dict[str, Any]:
    """Return the data of an `action.overdue` event: what a receiver needs to chase it."""
    owner = action.owner
    return {
        "action": action.pk,
        "project": action.project_id,
        "account": action.project.account_id,
        "title": action.title,
        "target": action.target,
        "target_group": action.target_group,
        "status": action.status,
        "owner": owner.user_id if owner else None,
        "owner_name": _owner_name(owner) if owner else None,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "days_overdue": (today - action.due_on).days if action.due_on else None,
        "url": settings.SITE_URL.rstrip("/") + reverse("plans:action_detail", args=[action.pk]),
    }


@transaction.atomic
def action_overdue_announce(
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    workspace: Workspace | None = None,
) -> int:
    """Emit `action.overdue` once for each open action whose due date has passed.

    An action is announced once per due date: changing the due date lets it be announced again
    when the new one passes; reopening it, or running again, announces nothing. Locked rows
    make two concurrent runs announce each action once. Every workspace's actions, or those of
    `workspace`. Return how many were announced.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    actions = Action.objects.all() if workspace is None else Action.objects.for_workspace(workspace)
    overdue = list(
        actions.select_for_update(of=("self",))
        .filter(status__in=OPEN_STATUSES, due_on__lt=today, overdue_announced_at__isnull=True)
        .select_related("owner__user", "project")
        .order_by("pk")
    )
    for action in overdue:
        # Heard by the api app's webhooks after this transaction commits (workspaces.events).
        event_emit(
            workspace_id=action.workspace_id,
            type=ACTION_OVERDUE,
            data=action_overdue_data(action=action, today=today),
        )
    Action.objects.filter(pk__in=[action.pk for action in overdue]).update(overdue_announced_at=now)
    return len(overdue)


# --- Preferences --------------------------------------------------------------------------


@transaction.atomic
def digest_preference_set(*, membership: Membership, daily_digest: bool) -> DigestPreference:
    """Turn a member's daily digest of due actions on or off."""
    preference, _ = DigestPreference.objects.get_or_create(membership=membership)
    return _save(preference, {"daily_digest": daily_digest})


# --- Effects ------------------------------------------------------------------------------


def action_effects_record(
    *, snapshots: Sequence[ScoreSnapshot], action_ids: Collection[int] | None = None
) -> list[ActionEffect]:
    """Store, with each snapshot, the effect of the actions carried out since an earlier round.

    An action counts when it is in progress or done and the round that led to it opened before
    the snapshot's round. Both rounds are read under the snapshot's scoring model, so a change
    of model between them does not show as an effect. Called by scoring in the transaction
    that stores the snapshots (registered in `PlansConfig.ready`); a fixed number of queries
    per batch, whatever the number of actions or respondents.
    """
    latest = {s.project_id: s for s in snapshots if s.assessment_id is not None}
    if not latest or not selectors.worked_actions_exist(project_ids=list(latest)):
        return []
    actions = Action.objects.filter(
        project_id__in=latest, status__in=WORKED_STATUSES, source_assessment__isnull=False
    ).select_related("source_assessment")
    if action_ids is not None:
        actions = actions.filter(pk__in=action_ids)
    actions = list(actions)
    if not actions:  # most projects: no query for the rounds then
        return []
    rounds = {
        a.pk: a
        for a in Assessment.objects.filter(pk__in={s.assessment_id for s in latest.values()})
    }
    pairs = []
    for action in actions:
        snapshot = latest[action.project_id]
        source, later = action.source_assessment, rounds[snapshot.assessment_id]
        if (source.opens_on, source.pk) < (later.opens_on, later.pk):
            pairs.append((action, snapshot, source, later))
    if not pairs:
        return []
    done = set(
        ActionEffect.objects.filter(
            snapshot_id__in={s.pk for _, s, _, _ in pairs},
            action_id__in={a.pk for a, _, _, _ in pairs},
        ).values_list("action_id", "snapshot_id")
    )
    pairs = [pair for pair in pairs if (pair[0].pk, pair[1].pk) not in done]
    members = selectors.round_members(
        {source.pk for _, _, source, _ in pairs} | {later.pk for _, _, _, later in pairs}
    )
    usage_before = selectors.usage_index_of_rounds({source.pk for _, _, source, _ in pairs})
    models = {
        model.pk: model.parameters()
        for model in ScoringModel.objects.filter(
            pk__in={s.scoring_model_id for _, s, _, _ in pairs}
        )
    }
    rows = []
    for action, snapshot, source, later in pairs:
        effect = effects.effect_of(
            effects.PlannedAction(action.pk, action.target, action.target_group),
            effects.Round(
                source.name, tuple(members.get(source.pk, ())), usage_before.get(source.pk)
            ),
            effects.Round(
                later.name,
                tuple(members.get(later.pk, ())),
                ((snapshot.breakdown or {}).get("usage") or {}).get("index"),
            ),
            models[snapshot.scoring_model_id],
        )
        rows.append(
            ActionEffect(
                workspace_id=action.workspace_id,
                action=action,
                snapshot=snapshot,
                before_assessment=source,
                after_assessment=later,
                result=effect.as_dict(),
                created_at=snapshot.created_at,
            )
        )
    # Rows made from the engine's figures, not user input; the unique constraint guards them.
    return ActionEffect.objects.bulk_create(rows)
