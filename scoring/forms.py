"""Input validation for the scoring model page, the portfolio's and the imports' filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings

from readiness.models import Project, ProjectStatus, Workspace
from scoring import engine, selectors
from scoring import usage_files as uf
from scoring.models import Band, ScoringModel

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


class PortfolioFilterForm(forms.Form):
    """The portfolio's filters and sort order, read from the query string.

    A value that is not one of the choices is ignored (with a message), never an error page.
    """

    band = forms.ChoiceField(
        required=False,
        choices=[("", "Any band"), *Band.choices, (selectors.NO_SCORE, "Not enough data")],
    )
    owner = forms.ChoiceField(required=False, label="Owner (CSM)")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ProjectStatus.choices])
    flag = forms.ChoiceField(
        required=False, choices=[("", "Any flag"), *engine.FLAG_LABELS.items()]
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("score", "Score, lowest first"),
            ("-score", "Score, highest first"),
            ("change", "Change, largest drop first"),
            ("-change", "Change, largest rise first"),
            ("name", "Name, A–Z"),
            ("-name", "Name, Z–A"),
            ("response_rate", "Response rate, lowest first"),
            ("-response_rate", "Response rate, highest first"),
            ("-last_usage", "Last usage, most recent first"),
            ("last_usage", "Last usage, oldest first"),
        ],
    )

    NOUNS = {
        "band": "band",
        "owner": "owner",
        "status": "status",
        "flag": "flag",
        "sort": "sort order",
    }

    def __init__(self, *args: Any, owners: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Any owner"),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in owners),
            (selectors.NO_SCORE, "No owner"),
        ]

    def filters(self) -> dict[str, Any]:
        """Return the valid filters as keyword arguments of `selectors.portfolio_projects`."""
        self.is_valid()
        values = {name: self.cleaned_data.get(name) or "" for name in self.fields}
        values["sort"] = values["sort"] or "score"
        if values["owner"].isdigit():
            values["owner"] = int(values["owner"])
        return values

    def ignored(self) -> list[str]:
        """Return a sentence for each query-string value that was ignored."""
        return [
            f"“{self.data.get(name)}” is not a known {self.NOUNS[name]}, so it was ignored. "
            "Choose one from the list."
            for name in self.errors
        ]


"""Input validation for usage uploads, their column mapping and the list of imports."""


class UsageImportFilterForm(forms.Form):
    """The list of imports' one filter, read from the query string: a project of the workspace.

    An unknown id, or one from another workspace, is ignored with a message (as the portfolio
    does with its filters), and the message is the same for both.
    """

    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.for_workspace(workspace).select_related(
            "account"
        )

    def chosen_project(self) -> Project | None:
        """Return the chosen project, or None when there is none or it was ignored."""
        self.is_valid()
        return self.cleaned_data.get("project")

    def ignored(self) -> list[str]:
        """Return a sentence for the query-string value that was ignored, if any."""
        if "project" not in self.errors:
            return []
        return [
            f"“{self.data.get('project')}” is not a project of this workspace, so it was "
            "ignored: all imports are listed."
        ]


COLUMN_HELP = {
    "date": "ISO 8601 date or date-time (required)",
    "user": "any identifier; it is replaced by a keyed hash (required)",
    "feature": "feature name (optional)",
    "count": "whole number ≥ 1, empty means 1 (optional)",
    "account": "the account's external id (required in a workspace-wide file)",
}


class UsageUploadForm(forms.Form):
    file = forms.FileField(
        label="Usage file (CSV or XLSX)",
        help_text="Columns: date, user, feature, count. You can map other column names next.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
        error_messages={
            "empty": uf.EMPTY_FILE,
            "required": "Choose a CSV or XLSX file to upload.",
        },
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.USAGE_IMPORT_MAX_BYTES
        if upload.size > limit:
            mb = 1024 * 1024
            raise forms.ValidationError(
                uf.TOO_LARGE.format(
                    size=f"{upload.size / mb:.1f}".removesuffix(".0"),
                    limit=f"{limit / mb:.1f}".removesuffix(".0"),
                )
            )
        return upload


class UsageMappingForm(forms.Form):
    """Which column of the file holds each of date, user, feature, count (and account)."""

    def __init__(self, *args: Any, header: list[str], workspace_wide: bool, **kwargs: Any) -> None:
        initial = kwargs.pop("mapping", {})
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —")] + [
            (str(index), name or f"Column {index + 1} (no name)")
            for index, name in enumerate(header)
        ]
        columns = uf.COLUMNS if workspace_wide else uf.COLUMNS[:-1]
        for column in columns:
            value = initial.get(column)
            self.fields[column] = forms.TypedChoiceField(
                label=column,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial="" if value is None else str(value),
                help_text=COLUMN_HELP[column],
            )

    def mapping(self) -> dict[str, int | None]:
        return {column: self.cleaned_data.get(column) for column in uf.COLUMNS}
