"""Customer accounts, projects, survey templates, assessments, invitations and responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from workspaces.models import WorkspaceOwned


class Account(WorkspaceOwned):
    """A customer company."""

    name = models.CharField(max_length=200)
    external_id = models.CharField(
        "external id",
        max_length=100,
        blank=True,
        help_text="The CRM or telemetry id of this customer; unique within the workspace.",
    )
    industry = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
        verbose_name="owner (CSM)",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~Q(external_id=""),
                name="account_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    IMPLEMENTING = "implementing", "Implementing"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"


class Project(WorkspaceOwned):
    """One implementation of one product at one account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    product_name = models.CharField(max_length=200)
    licensed_seats = models.PositiveIntegerField(null=True, blank=True)
    kickoff_date = models.DateField("kick-off date", null=True, blank=True)
    golive_date = models.DateField("planned go-live date", null=True, blank=True)
    tracked_features = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    # Set in the same transaction as any change of the evidence; the scoring sweep clears it.
    needs_recalculation = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(licensed_seats__isnull=True) | Q(licensed_seats__gte=1),
                name="project_licensed_seats_positive",
            ),
            models.CheckConstraint(
                condition=Q(golive_date__isnull=True)
                | Q(kickoff_date__isnull=True)
                | Q(golive_date__gte=F("kickoff_date")),
                name="project_golive_after_kickoff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.name} — {self.name}"


class Dimension(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    DESIRE = "desire", "Desire"
    KNOWLEDGE = "knowledge", "Knowledge"
    ABILITY = "ability", "Ability"
    REINFORCEMENT = "reinforcement", "Reinforcement"
    LEADERSHIP = "leadership", "Leadership"
    SENTIMENT = "sentiment", "Sentiment"
    COMMENT = "comment", "Comment"


ADKAR_DIMENSIONS: tuple[str, ...] = (
    Dimension.AWARENESS,
    Dimension.DESIRE,
    Dimension.KNOWLEDGE,
    Dimension.ABILITY,
    Dimension.REINFORCEMENT,
)


class ItemKind(models.TextChoices):
    LIKERT = "likert", "Likert 1–5"
    NPS = "nps", "NPS 0–10"
    TEXT = "text", "Free text"


class SurveyTemplate(WorkspaceOwned):
    """An ordered set of items; frozen once an assessment uses it (editing makes a new version)."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    previous_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name", "version"], name="template_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_frozen(self) -> bool:
        """Return whether an assessment uses this template, so that it can no longer change."""
        return self.assessments.exists()


class TemplateItem(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    wording = models.TextField()
    allow_dont_know = models.BooleanField("allow “Don't know”", default=True)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="item_unique_code"),
            models.UniqueConstraint(fields=["template", "position"], name="item_unique_position"),
        ]

    def __str__(self) -> str:
        return self.code

    def text_for(self, product_name: str) -> str:
        """Return the wording with `{product}` replaced by the project's product name."""
        return self.wording.replace("{product}", product_name)


class AssessmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Assessment(WorkspaceOwned):
    """One survey round on a project, e.g. "Kick-off baseline"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    # RESTRICT: a template in use cannot be deleted on its own, but its workspace can be.
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.RESTRICT, related_name="assessments"
    )
    name = models.CharField(max_length=200)
    opens_on = models.DateField("opening date")
    closes_on = models.DateField("closing date", null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    max_reminders = models.PositiveSmallIntegerField(default=3)
    reminder_interval_days = models.PositiveSmallIntegerField(default=3)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True) | Q(closes_on__gte=F("opens_on")),
                name="assessment_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RespondentRole(models.TextChoices):
    SPONSOR = "sponsor", "Sponsor"
    MANAGER = "manager", "Manager"
    END_USER = "end_user", "End user"


LEADERSHIP_ROLES: tuple[str, ...] = (RespondentRole.SPONSOR, RespondentRole.MANAGER)


class Invitation(WorkspaceOwned):
    """A stakeholder invited to an assessment by a personal link.

    Only a SHA-256 hash of the link's secret token is stored.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=RespondentRole.choices)
    department = models.CharField(max_length=200, blank=True)
    token_salt = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # After a key rotation the invitation is re-keyed; the link sent before stays valid by this.
    previous_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "email"], name="invitation_unique_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class ResponseSource(models.TextChoices):
    WEB = "web", "Survey link"
    IMPORT = "import", "Imported"


class Response(WorkspaceOwned):
    """The answers of one invitation; a draft and the submitted response are separate rows."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="responses")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    status = models.CharField(
        max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    source = models.CharField(
        max_length=10, choices=ResponseSource.choices, default=ResponseSource.WEB
    )
    current_step = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "status"], name="response_one_per_invitation_and_status"
            ),
        ]
        indexes = [models.Index(fields=["assessment", "status"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} response of {self.invitation}"


class Answer(models.Model):
    """One answered item: a Likert (1–5) or NPS (0–10) value, "Don't know", or free text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(TemplateItem, on_delete=models.RESTRICT, related_name="answers")
    value = models.SmallIntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_unique_item"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=10),
                name="answer_value_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}={self.value if self.value is not None else self.text[:20]}"
