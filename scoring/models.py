"""The scoring model and score snapshots."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from readiness.models import Assessment, Project, Response
from scoring import engine
from workspaces.models import WorkspaceOwned

# --- The scoring model --------------------------------------------------------------------

_DEFAULTS = engine.ModelParameters()

_WEIGHT = (0, 100, "Enter a weight between 0 and 100.")
_FIGURE = (0, 100, "Enter a figure between 0 and 100.")
# Every numeric parameter's range, checked by the page, the admin and the service alike.
# Weights are relative shares, so 0–100 loses nothing; what the bounds buy is that every
# figure the engine derives from them stays finite (a weight of 1e308 made scores infinite,
# which PostgreSQL's JSON refuses, and stopped every sweep).
PARAMETER_BOUNDS: dict[str, tuple[float, float, str]] = {
    "weight_adkar": _WEIGHT,
    "weight_leadership": _WEIGHT,
    "weight_sentiment": _WEIGHT,
    "weight_usage": _WEIGHT,
    "ready_threshold": _FIGURE,
    "at_risk_threshold": _FIGURE,
    "forced_adoption_usage_min": _FIGURE,
    "forced_adoption_sentiment_max": _FIGURE,
    "leadership_gap_min": _FIGURE,
    "say_do_usage_max": _FIGURE,
    "say_do_element_min": (1, 5, "Enter a mean answer between 1 and 5."),
    "low_confidence_min_responses": (
        0,
        10_000,
        "Enter a number of responses between 0 and 10,000.",
    ),
    "low_confidence_min_rate": (0, 100, "Enter a response rate between 0 and 100 %."),
    "min_group_size": (1, 1_000, "Enter a minimum group size between 1 and 1,000."),
}


def parameter_errors(values: dict[str, object]) -> dict[str, str]:
    """Return a message per parameter in `values` that is not a finite number within bounds."""
    errors = {}
    for name, (lowest, highest, message) in PARAMETER_BOUNDS.items():
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, int | float) or not math.isfinite(value):
            errors[name] = "Enter a number."
        elif not lowest <= value <= highest:
            errors[name] = message
    return errors


class ScoringModel(WorkspaceOwned):
    """One version of a workspace's scoring model; the newest version is the one in force.

    Rows are never edited: a change saves a new version, so each snapshot's model stays known.
    """

    version = models.PositiveIntegerField()
    weight_adkar = models.FloatField("ADKAR weight", default=_DEFAULTS.weights["adkar"])
    weight_leadership = models.FloatField(
        "leadership weight", default=_DEFAULTS.weights["leadership"]
    )
    weight_sentiment = models.FloatField("sentiment weight", default=_DEFAULTS.weights["sentiment"])
    weight_usage = models.FloatField("usage weight", default=_DEFAULTS.weights["usage"])
    ready_threshold = models.FloatField("“Ready” from", default=_DEFAULTS.ready_threshold)
    at_risk_threshold = models.FloatField("“At risk” from", default=_DEFAULTS.at_risk_threshold)
    forced_adoption_usage_min = models.FloatField(
        "forced adoption: usage index at least", default=_DEFAULTS.forced_adoption_usage_min
    )
    forced_adoption_sentiment_max = models.FloatField(
        "forced adoption: end users' sentiment index below",
        default=_DEFAULTS.forced_adoption_sentiment_max,
    )
    leadership_gap_min = models.FloatField(
        "leadership gap: points at least", default=_DEFAULTS.leadership_gap_min
    )
    say_do_element_min = models.FloatField(
        "say-do gap: end users' Knowledge and Ability at least",
        default=_DEFAULTS.say_do_element_min,
    )
    say_do_usage_max = models.FloatField(
        "say-do gap: usage index below", default=_DEFAULTS.say_do_usage_max
    )
    low_confidence_min_responses = models.PositiveIntegerField(
        "low confidence: fewer responses than", default=_DEFAULTS.low_confidence_min_responses
    )
    low_confidence_min_rate = models.FloatField(
        "low confidence: response rate below (%)",
        default=_DEFAULTS.low_confidence_min_rate * 100,
    )
    min_group_size = models.PositiveIntegerField(
        "minimum group size", default=_DEFAULTS.min_group_size
    )
    action_awareness = models.TextField(
        "Awareness actions", default=engine.DEFAULT_ACTIONS["awareness"]
    )
    action_desire = models.TextField("Desire actions", default=engine.DEFAULT_ACTIONS["desire"])
    action_knowledge = models.TextField(
        "Knowledge actions", default=engine.DEFAULT_ACTIONS["knowledge"]
    )
    action_ability = models.TextField("Ability actions", default=engine.DEFAULT_ACTIONS["ability"])
    action_reinforcement = models.TextField(
        "Reinforcement actions", default=engine.DEFAULT_ACTIONS["reinforcement"]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # The fields a new version copies and compares; everything except identity and authorship.
    PARAMETER_FIELDS: tuple[str, ...] = (
        "weight_adkar",
        "weight_leadership",
        "weight_sentiment",
        "weight_usage",
        "ready_threshold",
        "at_risk_threshold",
        "forced_adoption_usage_min",
        "forced_adoption_sentiment_max",
        "leadership_gap_min",
        "say_do_element_min",
        "say_do_usage_max",
        "low_confidence_min_responses",
        "low_confidence_min_rate",
        "min_group_size",
        "action_awareness",
        "action_desire",
        "action_knowledge",
        "action_ability",
        "action_reinforcement",
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "version"], name="scoring_model_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(weight_adkar__gte=0)
                & Q(weight_leadership__gte=0)
                & Q(weight_sentiment__gte=0)
                & Q(weight_usage__gte=0),
                name="scoring_model_weights_not_negative",
                violation_error_message="Weights cannot be negative: enter 0 or more.",
            ),
            models.CheckConstraint(
                condition=Q(weight_adkar__gt=0)
                | Q(weight_leadership__gt=0)
                | Q(weight_sentiment__gt=0)
                | Q(weight_usage__gt=0),
                name="scoring_model_weights_not_all_zero",
                violation_error_message="Give at least one component a weight above 0.",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_threshold__lt=F("ready_threshold")),
                name="scoring_model_thresholds_in_order",
                violation_error_message="The “At risk” threshold must be below the “Ready” "
                "threshold.",
            ),
            models.CheckConstraint(
                condition=Q(min_group_size__gte=1),
                name="scoring_model_min_group_size_positive",
                violation_error_message="The minimum group size must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"Scoring model v{self.version}"

    def clean(self) -> None:
        errors = parameter_errors({name: getattr(self, name) for name in PARAMETER_BOUNDS})
        if errors:
            raise ValidationError(errors)

    def parameters(self) -> engine.ModelParameters:
        """Return this version as the engine's model parameters."""
        return engine.ModelParameters(
            weights={
                "adkar": self.weight_adkar,
                "leadership": self.weight_leadership,
                "sentiment": self.weight_sentiment,
                "usage": self.weight_usage,
            },
            ready_threshold=self.ready_threshold,
            at_risk_threshold=self.at_risk_threshold,
            forced_adoption_usage_min=self.forced_adoption_usage_min,
            forced_adoption_sentiment_max=self.forced_adoption_sentiment_max,
            leadership_gap_min=self.leadership_gap_min,
            say_do_element_min=self.say_do_element_min,
            say_do_usage_max=self.say_do_usage_max,
            low_confidence_min_responses=self.low_confidence_min_responses,
            low_confidence_min_rate=self.low_confidence_min_rate / 100.0,
            min_group_size=self.min_group_size,
            actions={dimension: getattr(self, f"action_{dimension}") for dimension in engine.ADKAR},
        )


# --- Score snapshots ----------------------------------------------------------------------


class Band(models.TextChoices):
    READY = engine.READY, engine.BAND_LABELS[engine.READY]
    AT_RISK = engine.AT_RISK, engine.BAND_LABELS[engine.AT_RISK]
    NOT_READY = engine.NOT_READY, engine.BAND_LABELS[engine.NOT_READY]


class ScoreSnapshot(WorkspaceOwned):
    """The result of one calculation for one project; the history is the project's trend.

    `breakdown` holds `engine.ScoreResult.as_dict()`; docs/scoring.md documents its shape.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    # RESTRICT, not PROTECT: a version in use stays, yet deleting its workspace deletes both.
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.RESTRICT, related_name="+")
    model_version = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    # None means "not enough data", never 0.
    score = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=20, choices=Band.choices, blank=True)
    responses = models.PositiveIntegerField(default=0)
    response_rate = models.FloatField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    breakdown = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        indexes = [models.Index(fields=["project", "-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="snapshot_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} @ {self.created_at:%Y-%m-%d %H:%M}: {self.score}"

    @property
    def flag_labels(self) -> list[str]:
        """Return the names of the raised flags, for display."""
        return [engine.FLAG_LABELS.get(code, code) for code in self.flags]


# --- Response summaries -------------------------------------------------------------------


class ResponseSummary(models.Model):
    """What a recalculation needs of one submitted response, summed once from its answers.

    For each Likert measure (the five ADKAR dimensions and leadership): how many of its items
    were answered with a value 1–5 (`<measure>_answered`, "Don't know" left out) and the sum
    of those values (`<measure>_total`); and the answer to the template's first NPS item.
    A submitted response's answers never change, so neither does its summary: the first
    recalculation that reads a response writes it (scoring.evidence), and every later one
    reads 1 row instead of the response's 15–60 answers (docs/scoring.md, Performance).

    The response's assessment, invitation and submission time are copied (none of them
    changes once it is submitted), so that a recalculation reads the first responses of a
    round in order from one index without reading the responses.
    """

    # No constraint in the database: a recalculation may summarise a response while a
    # deletion of its project is in progress, and the deletion must not fail for it. The
    # summary goes with its response (Django cascades), its assessment and its invitation.
    response = models.OneToOneField(
        Response,
        on_delete=models.CASCADE,
        primary_key=True,
        db_constraint=False,
        related_name="summary",
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    invitation = models.ForeignKey(
        "readiness.Invitation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    awareness_total = models.PositiveSmallIntegerField(default=0)
    awareness_answered = models.PositiveSmallIntegerField(default=0)
    desire_total = models.PositiveSmallIntegerField(default=0)
    desire_answered = models.PositiveSmallIntegerField(default=0)
    knowledge_total = models.PositiveSmallIntegerField(default=0)
    knowledge_answered = models.PositiveSmallIntegerField(default=0)
    ability_total = models.PositiveSmallIntegerField(default=0)
    ability_answered = models.PositiveSmallIntegerField(default=0)
    reinforcement_total = models.PositiveSmallIntegerField(default=0)
    reinforcement_answered = models.PositiveSmallIntegerField(default=0)
    leadership_total = models.PositiveSmallIntegerField(default=0)
    leadership_answered = models.PositiveSmallIntegerField(default=0)
    nps = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "response summaries"
        indexes = [
            models.Index(
                fields=["assessment", "submitted_at", "response"],
                name="summary_round_order",
            )
        ]

    def __str__(self) -> str:
        return f"Summary of response {self.response_id}"
