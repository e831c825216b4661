"""Input validation for the scoring model page."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms

from scoring.models import ScoringModel, parameter_errors

WEIGHTS = ("weight_adkar", "weight_leadership", "weight_sentiment", "weight_usage")


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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, message in parameter_errors(cleaned).items():
            if name in WEIGHTS and cleaned[name] < 0:
                message = "Weights cannot be negative: enter 0 or more."
            elif name == "min_group_size" and cleaned[name] < 1:
                message = "The minimum group size must be at least 1."
            self.add_error(name, message)
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
