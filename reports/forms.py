"""The portfolio's filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from plans import selectors as plan_selectors
from readiness.models import ProjectStatus
from reports import selectors
from reports.services import DEFAULT_SHARE_DAYS, MAX_SHARE_DAYS
from scoring import engine
from scoring.models import Band
from workspaces.forms import form_helper


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
    actions = forms.ChoiceField(
        required=False,
        label="Change plan",
        choices=[("", "Any actions"), *plan_selectors.ACTION_FILTERS.items()],
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
        "actions": "change-plan filter",
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


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label="Shared with",
        max_length=200,
        help_text="Whom the link is for, e.g. “Dana Ruiz, sponsor”: shown only here.",
    )
    days = forms.IntegerField(
        label="Valid for (days)",
        initial=DEFAULT_SHARE_DAYS,
        min_value=1,
        max_value=MAX_SHARE_DAYS,
        error_messages={
            "min_value": f"Choose a validity between 1 and {MAX_SHARE_DAYS} days.",
            "max_value": f"Choose a validity between 1 and {MAX_SHARE_DAYS} days.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper("Create link", "label", "days")

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if any(ord(ch) < 32 for ch in label):
            raise forms.ValidationError("Remove the control characters from the name.")
        if not label:
            raise forms.ValidationError("Say whom the link is for.")
        return label
