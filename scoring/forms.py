"""Input validation for the scoring model page."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms

from scoring.models import ScoringModel

WEIGHTS = ("weight_adkar", "weight_leadership", "weight_sentiment", "weight_usage")
THRESHOLDS = (
    "ready_threshold",
    "at_risk_threshold",
    "forced_adoption_usage_min",
    "forced_adoption_sentiment_max",
    "leadership_gap_min",
    "say_do_usage_max",
)


class ScoringModelForm(forms.Form):
    """Every parameter of the scoring model; saving makes a new version."""

    def __init__(self, *args: Any, current: ScoringModel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(ScoringModel, fields=ScoringModel.PARAMETER_FIELDS)
        )
        for name in ScoringModel.PARAMETER_FIELDS:
            self.fields[name].initial = getattr(current, name)
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = "Enter a value for every field."
            if name.startswith("action_"):
                self.fields[name].widget = forms.Textarea(attrs={"rows": 2})
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Component weights", Row(*(Column(name) for name in WEIGHTS))),
            Fieldset(
                "Bands",
                Row(Column("ready_threshold"), Column("at_risk_threshold")),
            ),
            Fieldset(
                "Flags",
                Row(Column("forced_adoption_usage_min"), Column("forced_adoption_sentiment_max")),
                Row(Column("leadership_gap_min"), Column("say_do_element_min")),
                Row(Column("say_do_usage_max"), Column("low_confidence_min_responses")),
                Row(Column("low_confidence_min_rate"), Column("min_group_size")),
            ),
            Fieldset(
                "Recommended actions per barrier",
                *(name for name in ScoringModel.PARAMETER_FIELDS if name.startswith("action_")),
            ),
        )
        self.helper.add_input(Submit("submit", "Save as a new version"))

    def _clean_between(self, name: str, low: float, high: float, message: str) -> float:
        value = self.cleaned_data[name]
        if not low <= value <= high:
            raise forms.ValidationError(message)
        return value

    def clean_weight_adkar(self) -> float:
        return self._clean_weight("weight_adkar")

    def clean_weight_leadership(self) -> float:
        return self._clean_weight("weight_leadership")

    def clean_weight_sentiment(self) -> float:
        return self._clean_weight("weight_sentiment")

    def clean_weight_usage(self) -> float:
        return self._clean_weight("weight_usage")

    def _clean_weight(self, name: str) -> float:
        value = self.cleaned_data[name]
        if value < 0:
            raise forms.ValidationError("Weights cannot be negative: enter 0 or more.")
        return value

    def clean_say_do_element_min(self) -> float:
        return self._clean_between(
            "say_do_element_min", 1, 5, "Enter a mean answer between 1 and 5."
        )

    def clean_low_confidence_min_rate(self) -> float:
        return self._clean_between(
            "low_confidence_min_rate", 0, 100, "Enter a response rate between 0 and 100 %."
        )

    def clean_min_group_size(self) -> int:
        value = self.cleaned_data["min_group_size"]
        if value < 1:
            raise forms.ValidationError("The minimum group size must be at least 1.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in THRESHOLDS:
            value = cleaned.get(name)
            if value is not None and not 0 <= value <= 100:
                self.add_error(name, "Enter a figure between 0 and 100.")
        weights = [cleaned.get(name) for name in WEIGHTS]
        if all(weight is not None for weight in weights) and not any(w > 0 for w in weights):
            raise forms.ValidationError("Give at least one component a weight above 0.")
        ready, at_risk = cleaned.get("ready_threshold"), cleaned.get("at_risk_threshold")
        if ready is not None and at_risk is not None and at_risk >= ready:
            self.add_error(
                "at_risk_threshold",
                "The “At risk” threshold must be below the “Ready” threshold.",
            )
        for name in ScoringModel.PARAMETER_FIELDS:
            if name.startswith("action_") and isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].strip()
        return cleaned
