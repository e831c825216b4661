"""The portfolio's filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from readiness.models import ProjectStatus
from reports import selectors
from scoring import engine
from scoring.models import Band


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
