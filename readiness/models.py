"""Customer accounts, projects, survey templates, assessments, invitations and responses."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from workspaces.models import SURVEY_LANGUAGES, WorkspaceOwned
from workspaces.validators import validate_single_line_text


class Account(WorkspaceOwned):
    """A customer company."""

    name = models.CharField(max_length=200, validators=[validate_single_line_text])
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


class NullsLastIndex(models.Index):
    """An index on (workspace, `column` descending, nulls last).

    The portfolio's "highest first" sorts put projects without the figure last, which an
    ascending index read backwards cannot give (it puts nulls first). SQLite cannot say
    NULLS LAST in an index, so there it is (workspace, `column` descending).
    """

    def __init__(self, *, column: str, name: str) -> None:
        self.column = column
        super().__init__(F("workspace"), F(column).desc(nulls_last=True), name=name)

    def deconstruct(self) -> tuple[str, tuple, dict]:
        path, _, _ = super().deconstruct()
        return path, (), {"column": self.column, "name": self.name}

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            plain = models.Index(F("workspace"), F(self.column).desc(), name=self.name)
            return plain.create_sql(model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    IMPLEMENTING = "implementing", "Implementing"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"


class Project(WorkspaceOwned):
    """One implementation of one product at one account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200, validators=[validate_single_line_text])
    product_name = models.CharField(max_length=200, validators=[validate_single_line_text])
    licensed_seats = models.PositiveIntegerField(null=True, blank=True)
    kickoff_date = models.DateField("kick-off date", null=True, blank=True)
    golive_date = models.DateField("planned go-live date", null=True, blank=True)
    tracked_features = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    # Set in the same transaction as any change of the evidence; the scoring sweep clears it.
    needs_recalculation = models.BooleanField(default=False, db_index=True)
    # Bumped by the same statement that sets the flag: a recalculation clears the flag only if
    # the version it read before calculating is still the project's, so a change that arrives
    # while it calculates (without holding the row) keeps the project marked.
    evidence_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped by a recalculation that counts (deletes) evidence changes, in that transaction: a
    # recalculation that read the project before stores nothing, since the changes it did not
    # read may be among those counted (`scoring.services.EvidenceVersion`). Submissions never
    # write the project's row.
    evidence_counted = models.PositiveBigIntegerField(default=0, editable=False)
    # Why the last recalculation failed (the sweep carried on with the other projects); empty
    # once one succeeds.
    recalculation_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # What the portfolio shows of the project's score snapshots, stored by scoring in the
    # transaction that stores a snapshot (`scoring.services.project_standings_refresh`), so
    # that the portfolio sorts and filters indexed columns instead of reading every project's
    # snapshots. Null (and `model_changed` false) while the project has no snapshot; a
    # snapshot without a score has an empty band. The change compares assessment rounds as
    # the score history does (docs/scoring.md §3).
    latest_score = models.FloatField(null=True, blank=True, editable=False)
    # Null and "" differ: no snapshot yet, or a snapshot with "not enough data".
    latest_band = models.CharField(  # noqa: DJ001
        max_length=20, null=True, blank=True, editable=False
    )
    latest_flags = models.JSONField(null=True, blank=True, editable=False)
    latest_response_rate = models.FloatField(null=True, blank=True, editable=False)
    latest_at = models.DateTimeField(null=True, blank=True, editable=False)
    previous_score = models.FloatField(null=True, blank=True, editable=False)
    change = models.FloatField(null=True, blank=True, editable=False)
    model_changed = models.BooleanField(default=False, editable=False)
    last_usage_on = models.DateField(null=True, blank=True, editable=False)
    # `latest_flags` again, one column per flag: what a filter by flag reads from its index.
    flag_forced_adoption = models.BooleanField(default=False, editable=False)
    flag_leadership_gap = models.BooleanField(default=False, editable=False)
    flag_say_do_gap = models.BooleanField(default=False, editable=False)
    flag_low_confidence = models.BooleanField(default=False, editable=False)

    # Each sort of the portfolio reads one of these in order, within the workspace: ascending
    # (nulls last) forwards, and descending with nulls last from the `NullsLastIndex`.
    SORTED_COLUMNS = ("latest_score", "change", "latest_response_rate", "last_usage_on")

    class Meta:
        ordering = ["account__name", "name"]
        indexes = [
            models.Index(fields=["workspace", "latest_score"], name="project_ws_score"),
            models.Index(fields=["workspace", "change"], name="project_ws_change"),
            models.Index(fields=["workspace", "latest_response_rate"], name="project_ws_rate"),
            models.Index(fields=["workspace", "last_usage_on"], name="project_ws_usage"),
            NullsLastIndex(column="latest_score", name="project_ws_score_desc"),
            NullsLastIndex(column="change", name="project_ws_change_desc"),
            NullsLastIndex(column="latest_response_rate", name="project_ws_rate_desc"),
            NullsLastIndex(column="last_usage_on", name="project_ws_usage_desc"),
            models.Index(F("workspace"), Lower("name"), name="project_ws_name"),
            models.Index(
                fields=["workspace", "latest_band", "latest_score"], name="project_ws_band_score"
            ),
            *(
                models.Index(
                    fields=["workspace", "latest_score"],
                    condition=Q(**{f"flag_{code}": True}),
                    name=f"project_ws_flag_{code}"[:30],
                )
                for code in ("forced_adoption", "leadership_gap", "say_do_gap", "low_confidence")
            ),
        ]
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


class EvidenceChange(models.Model):
    """A submitted response that the project's score does not include yet.

    Submissions mark their project by adding a row here rather than by updating the project's
    row (`needs_recalculation`, `evidence_version`): every submission of a project would
    otherwise queue on that one row from its update to its commit, and a survey's respondents
    submit at the same moments. A recalculation reads the ids of the project's rows before it
    reads the evidence, and deletes those rows once its result is stored (or found unchanged);
    a row added meanwhile stays, so the project stays due. A project needs recalculation while
    its flag is set or it has a row here (`readiness.selectors.projects_with_recalculation_due`).
    """

    id = models.BigAutoField(primary_key=True)
    # No foreign-key constraint: its check would lock the project's row (FOR KEY SHARE) in
    # every submission, the contention this table exists to avoid. Django still deletes the
    # rows with their project (the collector, not the database, cascades).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, db_constraint=False, related_name="evidence_changes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Evidence change {self.pk} of project {self.project_id}"


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

    name = models.CharField(max_length=200, validators=[validate_single_line_text])
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
    # Wording in other languages by language code ({"de": "...", ...}); a language without an
    # entry shows `wording`. Answers belong to the item whatever the language they were given in.
    translations = models.JSONField(default=dict, blank=True)
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

    def wording_in(self, language: str | None) -> str:
        """Return the wording in `language`, or the item's own wording when it has none."""
        return (self.translations or {}).get(language or "", "") or self.wording

    def text_for(self, product_name: str, language: str | None = None) -> str:
        """Return the wording in `language` with `{product}` replaced by the product name."""
        return self.wording_in(language).replace("{product}", product_name)


class AssessmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Confidentiality(models.TextChoices):
    # Confidential: answers are only ever shown combined; no export names a respondent.
    CONFIDENTIAL = "confidential", "Confidential"
    # Identified: respondents are told that their name goes with their answers.
    IDENTIFIED = "identified", "Identified"


class Assessment(WorkspaceOwned):
    """One survey round on a project, e.g. "Kick-off baseline"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    # RESTRICT: a template in use cannot be deleted on its own, but its workspace can be.
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.RESTRICT, related_name="assessments"
    )
    name = models.CharField(max_length=200, validators=[validate_single_line_text])
    opens_on = models.DateField("opening date")
    closes_on = models.DateField("closing date", null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    # The consultant's own invitation and reminder e-mails, by kind and language:
    # {"invitation": {"de": {"subject": "...", "body": "..."}}}; a missing one is the default.
    email_texts = models.JSONField(default=dict, blank=True)
    max_reminders = models.PositiveSmallIntegerField(default=3)
    reminder_interval_days = models.PositiveSmallIntegerField(default=3)
    confidentiality = models.CharField(
        max_length=20, choices=Confidentiality.choices, default=Confidentiality.CONFIDENTIAL
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The last failure of a sending run for the whole assessment (the mail server refused the
    # connection, say); cleared by the next run that gets through.
    send_error = models.TextField(blank=True, default="")
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

    @property
    def closing_date(self) -> datetime.date | None:
        """Return the day the assessment actually closed when that was before its planned
        closing date (closed early, or without one), else the planned closing date."""
        if self.closed_at is not None and (self.closes_on is None or self.closed_early):
            return timezone.localdate(self.closed_at)
        return self.closes_on

    @property
    def closed_early(self) -> bool:
        """Return whether it was closed before its planned closing date."""
        return (
            self.closed_at is not None
            and self.closes_on is not None
            and timezone.localdate(self.closed_at) < self.closes_on
        )


class RespondentRole(models.TextChoices):
    SPONSOR = "sponsor", "Sponsor"
    MANAGER = "manager", "Manager"
    END_USER = "end_user", "End user"


LEADERSHIP_ROLES: tuple[str, ...] = (RespondentRole.SPONSOR, RespondentRole.MANAGER)

# Join codes are read off a projector and typed on phones: no 0/O, no 1/l/I.
WORKSHOP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
WORKSHOP_CODE_LENGTH = 6


class Workshop(WorkspaceOwned):
    """A live session of an assessment in the room: participants join with a short code.

    Each participant who joins becomes an anonymous invitation of the assessment (no name, no
    e-mail), so workshop answers are ordinary responses and joined people count as invited.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="workshops")
    code = models.CharField(max_length=WORKSHOP_CODE_LENGTH, unique=True, editable=False)
    # Offered to participants as choices; empty when the workshop does not ask for a department.
    departments = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(ended_at__isnull=True),
                name="workshop_one_live_per_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"Workshop {self.code}"

    @property
    def is_live(self) -> bool:
        """Return whether participants can still join."""
        return self.ended_at is None


class WorkshopPrompt(WorkspaceOwned):
    """A discussion prompt the presenter view shows for a barrier point (editable per workspace)."""

    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["dimension", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Invitation(WorkspaceOwned):
    """A stakeholder invited to an assessment by a personal link.

    Only a SHA-256 hash of the link's secret token is stored. A workshop participant is an
    invitation with its workshop set and neither name nor e-mail.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="invitations")
    workshop = models.ForeignKey(
        Workshop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="participants",
    )
    name = models.CharField(max_length=200, blank=True, validators=[validate_single_line_text])
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=20, choices=RespondentRole.choices)
    department = models.CharField(
        max_length=200, validators=[validate_single_line_text], blank=True
    )
    language = models.CharField(max_length=8, choices=SURVEY_LANGUAGES, default="en")
    # Further columns of the invitation list (e.g. location, team): attribute name → value.
    attributes = models.JSONField(default=dict, blank=True)
    token_salt = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # After a key rotation the invitation is re-keyed; the link sent before stays valid by this.
    previous_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # A withdrawn invitation's link no longer opens the survey and it leaves the response rate.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # Why the last e-mail to this person failed; cleared when one goes out.
    send_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "email"],
                condition=~Q(email=""),
                name="invitation_unique_email",
            ),
            # Only an anonymous workshop participant goes without a name and an e-mail address.
            models.CheckConstraint(
                condition=Q(workshop__isnull=False) | (~Q(email="") & ~Q(name="")),
                name="invitation_named_unless_participant",
            ),
        ]

    def __str__(self) -> str:
        if self.workshop_id is not None:
            return f"Workshop participant #{self.pk}"
        return f"{self.name} <{self.email}>"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class ResponseSource(models.TextChoices):
    WEB = "web", "Survey link"
    IMPORT = "import", "Imported"
    WORKSHOP = "workshop", "Workshop"


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
