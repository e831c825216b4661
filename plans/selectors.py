"""Reads of change plans, always scoped to one workspace, each page in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from plans import checkpoints, effects
from plans.models import (
    DEPARTMENT_PREFIX,
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
from readiness.models import (
    ADKAR_DIMENSIONS,
    Answer,
    Assessment,
    Dimension,
    Invitation,
    ItemKind,
    Project,
    Response,
    ResponseStatus,
    TemplateItem,
)
from scoring import engine, evidence
from scoring.models import ScoreSnapshot
from workspaces.models import Membership, Workspace
from workspaces.selectors import get_in_workspace

LIKERT_DIMENSIONS = (*ADKAR_DIMENSIONS, Dimension.LEADERSHIP)
# "Due soon" on "My actions" and in the digest: due within this many days.
DUE_SOON_DAYS = 3
# Flags an action can target, and the group whose figures the flag is about.
FLAG_GROUPS: dict[str, str] = {
    engine.FORCED_ADOPTION: engine.GROUP_END_USERS,
    engine.LEADERSHIP_GAP: engine.GROUP_END_USERS,
    engine.SAY_DO_GAP: engine.GROUP_END_USERS,
}


# --- The action library -------------------------------------------------------------------


def library_entries(*, workspace: Workspace) -> QuerySet[ActionLibraryEntry]:
    """Return the workspace's library, by target, actions before prompts."""
    return ActionLibraryEntry.objects.for_workspace(workspace).order_by(
        "target", "kind", "position", "id"
    )


def library_by_target(*, workspace: Workspace) -> list[dict[str, object]]:
    """Return the library grouped by target in ADKAR-then-flag order, for the library page."""
    grouped: dict[str, list[ActionLibraryEntry]] = defaultdict(list)
    for entry in library_entries(workspace=workspace):
        grouped[entry.target].append(entry)
    return [
        {
            "target": target,
            "label": label,
            "actions": [e for e in grouped[target] if e.kind == EntryKind.ACTION],
            "prompts": [e for e in grouped[target] if e.kind == EntryKind.PROMPT],
        }
        for target, label in Target.choices
    ]


def library_entry_get(*, workspace: Workspace, entry_id: int) -> ActionLibraryEntry:
    return get_in_workspace(ActionLibraryEntry.objects.all(), workspace, entry_id)


def discussion_prompts(*, workspace: Workspace, dimension: str) -> QuerySet[ActionLibraryEntry]:
    """Return the discussion prompts of a dimension (the workshop shows them)."""
    return library_entries(workspace=workspace).filter(target=dimension, kind=EntryKind.PROMPT)


# --- Recommendations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A barrier or flag of the latest score that the plan could answer, for one group."""

    target: str
    label: str
    target_group: str
    group_label: str
    reasons: tuple[str, ...]
    entries: tuple[ActionLibraryEntry, ...] = ()
    open_action: Action | None = None


def _dimension_reasons(breakdown: dict) -> dict[tuple[str, str], list[str]]:
    """Return, per (dimension, group), why the report recommends acting on it (SPEC §4)."""
    model = engine.ModelParameters()
    barrier_max = (breakdown.get("thresholds") or {}).get("barrier_max", model.action_mean_max)
    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, group in (breakdown.get("groups") or {}).items():
        if group.get("suppressed"):
            continue
        label = engine.GROUP_LABELS.get(name, name).lower()
        for dimension in engine.ADKAR:
            share = (group.get("barrier_distribution") or {}).get(dimension) or 0.0
            if share >= model.action_barrier_share - engine.TOLERANCE:
                reasons[dimension, name].append(f"barrier point of {share:.0%} of {label}")
            mean = (group.get("element_means") or {}).get(dimension)
            if mean is not None and mean <= barrier_max + engine.TOLERANCE:
                reasons[dimension, name].append(f"mean {mean:.2f} for {label}")
    # A barrier found in leadership or end users is acted on there; "all" only when neither
    # shown subgroup has it (for instance when both are too small to show).
    for dimension in engine.ADKAR:
        if reasons.get((dimension, engine.GROUP_LEADERSHIP)) or reasons.get(
            (dimension, engine.GROUP_END_USERS)
        ):
            reasons.pop((dimension, engine.GROUP_ALL), None)
    return reasons


def recommendations(*, project: Project, snapshot: ScoreSnapshot | None) -> list[Recommendation]:
    """Return what the latest score recommends, with library entries and any open action.

    Costs two queries whatever the number of recommendations.
    """
    if snapshot is None:
        return []
    breakdown = snapshot.breakdown or {}
    found: list[tuple[str, str, tuple[str, ...]]] = []
    reasons = _dimension_reasons(breakdown)
    group_order = (engine.GROUP_ALL, engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
    for dimension in engine.ADKAR:
        for group in group_order:
            if reasons.get((dimension, group)):
                found.append((dimension, group, tuple(reasons[dimension, group])))
    for flag in breakdown.get("flags") or []:
        if flag.get("code") in FLAG_GROUPS:
            found.append((flag["code"], FLAG_GROUPS[flag["code"]], (flag.get("message", ""),)))
    if not found:
        return []
    targets = {target for target, _, _ in found}
    entries: dict[str, list[ActionLibraryEntry]] = defaultdict(list)
    for entry in library_entries(workspace=project.workspace).filter(
        target__in=targets, kind=EntryKind.ACTION
    ):
        entries[entry.target].append(entry)
    open_actions = {
        (action.target, action.target_group): action
        for action in Action.objects.filter(
            workspace_id=project.workspace_id,
            project=project,
            from_recommendation=True,
            status__in=OPEN_STATUSES,
        )
    }
    return [
        Recommendation(
            target=target,
            label=Target(target).label,
            target_group=group,
            group_label=target_group_label(group),
            reasons=why,
            entries=tuple(entries[target]),
            open_action=open_actions.get((target, group)),
        )
        for target, group, why in found
    ]


# --- Plans and actions --------------------------------------------------------------------


def _latest_effects() -> Prefetch:
    newest = ActionEffect.objects.filter(action_id=OuterRef("action_id")).order_by(
        "-created_at", "-id"
    )
    return Prefetch(
        "effects",
        queryset=ActionEffect.objects.filter(pk=Subquery(newest.values("pk")[:1])).select_related(
            "before_assessment", "after_assessment", "snapshot"
        ),
        to_attr="latest_effects",
    )


def _actions() -> QuerySet[Action]:
    return Action.objects.select_related("owner__user", "source_assessment", "project__account")


def shown_effect(effect: ActionEffect) -> ActionEffect:
    """Return the effect with its result as it may be shown (`effects.shown_result`)."""
    effect.result = effects.shown_result(effect.result or {}, effect.snapshot.breakdown)
    return effect


def with_latest_effect(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Return `actions` with their owner, project and latest measured effect, in 2 queries."""
    return actions.select_related("owner__user", "project").prefetch_related(_latest_effects())


def plan_for_project(*, project: Project) -> list[Action]:
    """Return a project's actions, open ones first, each with its latest measured effect."""
    actions = list(
        _actions()
        .filter(workspace_id=project.workspace_id, project=project)
        .prefetch_related(_latest_effects())
    )
    rank = {ActionStatus.IN_PROGRESS: 0, ActionStatus.PLANNED: 1, ActionStatus.DONE: 2}
    far = datetime.date.max
    actions.sort(key=lambda a: (rank.get(a.status, 3), a.due_on or far, a.pk))
    for action in actions:
        action.effect = shown_effect(action.latest_effects[0]) if action.latest_effects else None
    return actions


def action_get(*, workspace: Workspace, action_id: int) -> Action:
    return get_in_workspace(_actions(), workspace, action_id)


def action_log(*, action: Action) -> QuerySet[ActionUpdate]:
    """Return an action's dated updates, newest first."""
    return ActionUpdate.objects.filter(
        workspace_id=action.workspace_id, action=action
    ).select_related("author")


def action_effect_history(*, action: Action) -> list[ActionEffect]:
    """Return every effect measured for an action, newest first, as it may be shown."""
    return [
        shown_effect(effect)
        for effect in ActionEffect.objects.filter(
            workspace_id=action.workspace_id, action=action
        ).select_related("before_assessment", "after_assessment", "snapshot")
    ]


def project_departments(*, project: Project) -> list[str]:
    """Return the departments of the project's invitations, for the target-group choice."""
    return sorted(
        set(
            Invitation.objects.filter(
                workspace_id=project.workspace_id, assessment__project=project
            )
            .exclude(department="")
            .values_list("department", flat=True)
            .distinct()
        )
    )


def target_group_choices(*, project: Project, current: str = "") -> list[tuple[str, str]]:
    """Return the target groups an action of `project` may have."""
    groups = [engine.GROUP_ALL, engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS]
    groups += [f"{DEPARTMENT_PREFIX}{name}" for name in project_departments(project=project)]
    if current and current not in groups:
        groups.append(current)
    return [(group, target_group_label(group)) for group in groups]


def members(*, workspace: Workspace) -> QuerySet[Membership]:
    """Return the members who can own an action."""
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )


# --- Checkpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedRound:
    checkpoint: checkpoints.Checkpoint
    assessment: Assessment | None
    is_next: bool
    # Not created, and the project already ran a round after it (e.g. a baseline made by hand).
    passed: bool = False


def checkpoint_rounds(*, project: Project) -> list[ProposedRound]:
    """Return the project's proposed rounds, each with the assessment made from it, if any.

    The next one is the first not yet created that is not before the project's latest round.
    Two queries.
    """
    made = {
        row.code: row.assessment
        for row in CheckpointRound.objects.filter(
            workspace_id=project.workspace_id, project=project
        ).select_related("assessment")
    }
    latest = (
        Assessment.objects.filter(workspace_id=project.workspace_id, project=project)
        .order_by("-opens_on")
        .values_list("opens_on", flat=True)
        .first()
    )
    rounds, next_found = [], False
    for checkpoint in checkpoints.proposed_checkpoints(project.kickoff_date, project.golive_date):
        assessment = made.get(checkpoint.code)
        passed = assessment is None and latest is not None and checkpoint.opens_on <= latest
        is_next = assessment is None and not passed and not next_found
        next_found = next_found or is_next
        rounds.append(ProposedRound(checkpoint, assessment, is_next, passed))
    return rounds


def checkpoint_get(*, project: Project, code: str = "") -> checkpoints.Checkpoint:
    """Return a proposed checkpoint not yet created (the next one when `code` is empty).

    404 when the project proposes no such round or it was already created.
    """
    for proposed in checkpoint_rounds(project=project):
        if proposed.assessment is None and (
            proposed.checkpoint.code == code or (not code and proposed.is_next)
        ):
            return proposed.checkpoint
    raise Http404("This project proposes no such round, or it was already created.")


def previous_round(*, project: Project) -> Assessment | None:
    """Return the project's latest assessment with invitations: its people are invited again."""
    return (
        Assessment.objects.filter(workspace_id=project.workspace_id, project=project)
        .filter(invitations__isnull=False)
        .distinct()
        .order_by("-opens_on", "-id")
        .first()
    )


def previous_invitations(*, assessment: Assessment | None) -> QuerySet[Invitation]:
    if assessment is None:
        return Invitation.objects.none()
    return Invitation.objects.filter(
        workspace_id=assessment.workspace_id, assessment=assessment
    ).order_by("name", "id")


# --- My actions ---------------------------------------------------------------------------


@dataclass
class MyActions:
    overdue: list[Action] = field(default_factory=list)
    due_soon: list[Action] = field(default_factory=list)
    later: list[Action] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.later)


def my_actions(*, membership: Membership, today: datetime.date) -> MyActions:
    """Return the member's open actions: overdue, due within three days, and the rest.

    One query whatever the number of actions.
    """
    result = MyActions()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    for action in (
        _actions()
        .filter(workspace_id=membership.workspace_id, owner=membership, status__in=OPEN_STATUSES)
        .order_by("due_on", "id")
    ):
        if action.due_on is not None and action.due_on < today:
            result.overdue.append(action)
        elif action.due_on is not None and action.due_on <= soon:
            result.due_soon.append(action)
        else:
            result.later.append(action)
    return result


def digest_actions(*, today: datetime.date) -> list[Action]:
    """Return, in every workspace, the open actions a digest tells their owners about today.

    Due within three days or overdue, with an owner who has an e-mail address, has not turned
    the digest off and has not had today's digest yet. One query, ordered by owner.
    """
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    silenced = DigestPreference.objects.filter(Q(daily_digest=False) | Q(last_digest_on=today))
    return list(
        Action.objects.filter(status__in=OPEN_STATUSES, due_on__lte=horizon, owner__isnull=False)
        .exclude(owner__user__email="")
        .exclude(owner__in=silenced.values("membership_id"))
        .select_related("owner__user", "owner__workspace", "project__account")
        .order_by("owner_id", "due_on", "id")
    )


def digest_enabled(*, membership: Membership) -> bool:
    """Return whether the member receives the daily digest (on unless turned off)."""
    return not DigestPreference.objects.filter(membership=membership, daily_digest=False).exists()


ACTIONS_OPEN, ACTIONS_OVERDUE = "open", "overdue"
ACTION_FILTERS: dict[str, str] = {
    ACTIONS_OPEN: "With open actions",
    ACTIONS_OVERDUE: "With overdue actions",
}


def action_count_annotations(*, today: datetime.date) -> dict[str, Coalesce]:
    """Return `open_actions` and `overdue_actions` per project, as annotations of a Project
    queryset (correlated subqueries: a portfolio page keeps its fixed query count)."""
    open_actions = Action.objects.filter(project_id=OuterRef("pk"), status__in=OPEN_STATUSES)

    def count(queryset: QuerySet[Action]) -> Coalesce:
        counted = queryset.order_by().values("project_id").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted), 0)

    return {
        "open_actions": count(open_actions),
        "overdue_actions": count(open_actions.filter(due_on__lt=today)),
    }


def filter_by_actions(
    projects: QuerySet, actions: str, *, today: datetime.date | None = None
) -> QuerySet:
    """Keep the projects with open (or overdue on `today`) actions; any other value keeps them
    all. An EXISTS, which the database answers as one semi-join rather than one count per
    project of the workspace."""
    open_actions = Action.objects.filter(project_id=OuterRef("pk"), status__in=OPEN_STATUSES)
    if actions == ACTIONS_OPEN:
        return projects.filter(Exists(open_actions))
    if actions == ACTIONS_OVERDUE:
        return projects.filter(Exists(open_actions.filter(due_on__lt=today)))
    return projects


def open_action_counts(*, workspace: Workspace, today: datetime.date) -> dict[int, dict[str, int]]:
    """Return, per project, how many actions are open and how many of those are overdue."""
    rows = (
        Action.objects.filter(workspace=workspace, status__in=OPEN_STATUSES)
        .order_by()
        .values("project_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
    )
    return {row["project_id"]: {"open": row["open"], "overdue": row["overdue"]} for row in rows}


# --- Effect inputs ------------------------------------------------------------------------


def round_members(assessment_ids: Iterable[int]) -> dict[int, list[effects.Member]]:
    """Return each assessment's submitted respondents with their departments, in 3 queries.

    The same reading of answers and segments as the score's (`scoring.evidence`), so that each
    round's figures are disclosed over the same splits as its report; the department is also
    kept apart, for the effect of an action aimed at a department.
    """
    assessment_ids = list(assessment_ids)
    items = {
        pk: (kind, dimension)
        for pk, kind, dimension in TemplateItem.objects.filter(
            template__assessments__in=assessment_ids,
            kind__in=[ItemKind.LIKERT, ItemKind.NPS],
        )
        .order_by()
        .values_list("pk", "kind", "dimension")
    }
    responses = (
        Response.objects.filter(assessment_id__in=assessment_ids, status=ResponseStatus.SUBMITTED)
        .order_by("pk")
        .values_list(
            "pk",
            "assessment_id",
            "invitation__role",
            "invitation__department",
            "invitation__attributes",
        )
    )
    answers = (
        Answer.objects.filter(
            response__assessment_id__in=assessment_ids,
            response__status=ResponseStatus.SUBMITTED,
            dont_know=False,
            value__isnull=False,
        )
        .order_by()
        .values_list("response_id", "item_id", "value")
    )
    likert: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    nps: dict[int, list[int]] = defaultdict(list)
    for response_id, item_id, value in answers:
        kind, dimension = items.get(item_id, (None, None))
        if kind == ItemKind.NPS:
            nps[response_id].append(value)
        elif kind == ItemKind.LIKERT and dimension in LIKERT_DIMENSIONS and 1 <= value <= 5:
            likert[response_id][dimension].append(value)
    members: dict[int, list[effects.Member]] = defaultdict(list)
    for response_id, assessment_id, role, department, attributes in responses:
        segments = evidence.respondent_segments(department, attributes)
        respondent = engine.Respondent(
            role=role,
            likert={d: tuple(sorted(v)) for d, v in sorted(likert[response_id].items())},
            nps=nps[response_id][0] if nps[response_id] else None,
            segments=segments,
        )
        members[assessment_id].append(
            effects.Member(respondent, segments.get(engine.DEPARTMENT_SPLIT, ""))
        )
    return members


def usage_index_of_rounds(assessment_ids: Iterable[int]) -> dict[int, float | None]:
    """Return the usage index of each assessment's latest snapshot (None without usage)."""
    newest = ScoreSnapshot.objects.filter(assessment_id=OuterRef("assessment_id")).order_by(
        "-created_at", "-id"
    )
    rows = ScoreSnapshot.objects.filter(
        assessment_id__in=list(assessment_ids), pk=Subquery(newest.values("pk")[:1])
    ).values_list("assessment_id", "breakdown")
    return {pk: ((breakdown or {}).get("usage") or {}).get("index") for pk, breakdown in rows}


def worked_actions_exist(*, project_ids: list[int]) -> bool:
    """Return whether any of the projects has an action in progress or done that came from a
    round (what `services.action_effects_record` measures).

    Hand-written: it runs in every recalculation's write transaction, and most projects have
    no such action; compiling the ORM statement cost more than running it.
    """
    if not project_ids:
        return False
    placeholders = ", ".join(["%s"] * len(project_ids))
    statuses = ", ".join(["%s"] * len(WORKED_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Action._meta.db_table} WHERE project_id IN ({placeholders}) "
            f"AND status IN ({statuses}) AND source_assessment_id IS NOT NULL LIMIT 1",
            [*project_ids, *WORKED_STATUSES],
        )
        return cursor.fetchone() is not None
