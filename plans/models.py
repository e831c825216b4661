"""Change plans (SPEC §10): the action library, actions with their log, and measured effects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from plans import checkpoints
from readiness.models import Assessment, Project
from scoring import engine
from scoring.models import ScoreSnapshot
from workspaces.models import Membership, WorkspaceOwned


class Target(models.TextChoices):
    """What an action works on: an ADKAR dimension or a flag of the score."""

    AWARENESS = "awareness", "Awareness"
    DESIRE = "desire", "Desire"
    KNOWLEDGE = "knowledge", "Knowledge"
    ABILITY = "ability", "Ability"
    REINFORCEMENT = "reinforcement", "Reinforcement"
    FORCED_ADOPTION = engine.FORCED_ADOPTION, engine.FLAG_LABELS[engine.FORCED_ADOPTION]
    LEADERSHIP_GAP = engine.LEADERSHIP_GAP, engine.FLAG_LABELS[engine.LEADERSHIP_GAP]
    SAY_DO_GAP = engine.SAY_DO_GAP, engine.FLAG_LABELS[engine.SAY_DO_GAP]


class EntryKind(models.TextChoices):
    ACTION = "action", "Action"
    # Facilitation prompts the live workshop shows for the most frequent barrier point (§12).
    PROMPT = "prompt", "Discussion prompt"


class ActionLibraryEntry(WorkspaceOwned):
    """A reusable action (or discussion prompt) for one ADKAR dimension or flag."""

    target = models.CharField(max_length=20, choices=Target.choices)
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.ACTION)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    suggested_duration_days = models.PositiveSmallIntegerField(
        "suggested duration (days)", default=30
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target", "kind", "position", "id"]
        verbose_name_plural = "action library entries"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "target", "kind", "title"],
                name="plans_library_unique_title",
                violation_error_message="The library already has an entry with this title "
                "for this target: change the title.",
            ),
            models.CheckConstraint(
                condition=Q(target__in=Target.values), name="plans_library_target_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="plans_library_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(suggested_duration_days__gte=1, suggested_duration_days__lte=365),
                name="plans_library_duration_in_range",
                violation_error_message="The suggested duration must be between 1 and 365 days.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()}: {self.title}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


OPEN_STATUSES: tuple[str, ...] = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
# Actions whose effect is measured: they were carried out, at least in part.
WORKED_STATUSES: tuple[str, ...] = (ActionStatus.IN_PROGRESS, ActionStatus.DONE)

GROUP_ALL, GROUP_LEADERSHIP, GROUP_END_USERS = (
    engine.GROUP_ALL,
    engine.GROUP_LEADERSHIP,
    engine.GROUP_END_USERS,
)
DEPARTMENT_PREFIX = "department:"


def target_group_label(target_group: str) -> str:
    """Return how a target group reads on a page ("End users", "Department: Finance")."""
    if target_group.startswith(DEPARTMENT_PREFIX):
        return f"Department: {target_group.removeprefix(DEPARTMENT_PREFIX)}"
    return engine.GROUP_LABELS.get(target_group, target_group)


class Action(WorkspaceOwned):
    """One action of a project's change plan, with an owner and a due date."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    target = models.CharField(max_length=20, choices=Target.choices)
    # "all", "leadership", "end_users" or "department:<name>".
    target_group = models.CharField(max_length=220, default=GROUP_ALL)
    owner = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_actions",
        help_text="The member of the workspace who answers for this action.",
    )
    customer_owner_name = models.CharField("customer-side owner", max_length=200, blank=True)
    customer_owner_email = models.EmailField("customer-side owner's e-mail", blank=True)
    due_on = models.DateField("due date", null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    source_assessment = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The assessment whose results led to this action.",
    )
    library_entry = models.ForeignKey(
        ActionLibraryEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the action was added from a recommendation: one open action per recommendation.
    from_recommendation = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the `action.overdue` event went out for the current due date; a new due date clears
    # it, so the action is announced again only if it becomes overdue again.
    overdue_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["workspace", "status", "due_on"]),
            models.Index(fields=["owner", "status", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__in=Target.values), name="plans_action_target_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="plans_action_status_known"
            ),
            models.CheckConstraint(
                condition=Q(target_group__in=[GROUP_ALL, GROUP_LEADERSHIP, GROUP_END_USERS])
                # "department:" followed by a name; a range, not LIKE, which SQLite's
                # introspection misreads (its ESCAPE clause).
                | Q(target_group__gt=DEPARTMENT_PREFIX, target_group__lt="department;"),
                name="plans_action_target_group_known",
                violation_error_message="Choose all respondents, leadership, end users or a "
                "department as the target group.",
            ),
            models.UniqueConstraint(
                fields=["project", "target", "target_group"],
                condition=Q(from_recommendation=True, status__in=OPEN_STATUSES),
                name="plans_action_one_open_per_recommendation",
                violation_error_message="This recommendation is already in the change plan.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def target_group_label(self) -> str:
        return target_group_label(self.target_group)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ActionUpdate(WorkspaceOwned):
    """A dated entry of an action's log: a note, a status change, or both."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    status_before = models.CharField(max_length=12, choices=ActionStatus.choices, blank=True)
    status_after = models.CharField(max_length=12, choices=ActionStatus.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note="") | ~Q(status_after=""),
                name="plans_update_says_something",
                violation_error_message="Write a note or change the status.",
            ),
            models.CheckConstraint(
                condition=Q(status_before="", status_after="")
                | (~Q(status_after="") & ~Q(status_before=models.F("status_after"))),
                name="plans_update_status_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} @ {self.created_at:%Y-%m-%d}"


class ActionEffect(WorkspaceOwned):
    """What a later round measured for an action, stored with the snapshot that measured it.

    Kept as computed, so the history of an action's effect does not shift when answers or the
    library change later. `result` holds `plans.effects.Effect.as_dict()`.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="effects")
    snapshot = models.ForeignKey(ScoreSnapshot, on_delete=models.CASCADE, related_name="+")
    before_assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    after_assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "snapshot"], name="plans_effect_one_per_snapshot"
            ),
        ]

    def __str__(self) -> str:
        return f"effect of {self.action_id} at snapshot {self.snapshot_id}"


class CheckpointCode(models.TextChoices):
    BASELINE = checkpoints.BASELINE, checkpoints.CHECKPOINT_NAMES[checkpoints.BASELINE]
    PRE_GOLIVE = checkpoints.PRE_GOLIVE, checkpoints.CHECKPOINT_NAMES[checkpoints.PRE_GOLIVE]
    POST_30 = checkpoints.POST_30, checkpoints.CHECKPOINT_NAMES[checkpoints.POST_30]
    POST_90 = checkpoints.POST_90, checkpoints.CHECKPOINT_NAMES[checkpoints.POST_90]


class CheckpointRound(WorkspaceOwned):
    """The assessment created from one of a project's proposed checkpoints."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20, choices=CheckpointCode.choices)
    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="checkpoint_round"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"],
                name="plans_checkpoint_once_per_project",
                violation_error_message="This checkpoint's round already exists.",
            ),
            models.CheckConstraint(
                condition=Q(code__in=CheckpointCode.values), name="plans_checkpoint_code_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} of {self.project_id}"


class DigestPreference(models.Model):
    """A member's choice about the daily e-mail digest of due actions; on without a row."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="digest_preference"
    )
    daily_digest = models.BooleanField("daily e-mail of due and overdue actions", default=True)
    # The day the last digest went out: a second run on the same day sends nothing again.
    last_digest_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.membership_id}: digest {'on' if self.daily_digest else 'off'}"
