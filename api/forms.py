"""Input validation of the API's management pages: tokens and webhook subscriptions."""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from api.models import TokenScope, WebhookEvent

LATEST_EXPIRY = datetime.date(2099, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “Gainsight health sync”.")
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text="A read token can only read; a write token can also create and change data.",
    )
    expires_on = forms.DateField(
        required=False,
        widget=DateInput,
        label="Expires on",
        help_text="Optional: the token stops working at the end of this day (UTC).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Create token"))

    def clean_expires_on(self) -> datetime.date | None:
        day = self.cleaned_data["expires_on"]
        if day is not None and not timezone.now().date() <= day <= LATEST_EXPIRY:
            raise forms.ValidationError("Choose a day from today to the end of 2099.")
        return day

    def expires_at(self) -> datetime.datetime | None:
        """Return the moment the token stops working: the end of the chosen day, in UTC."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
        )


class WebhookSubscriptionForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="An https:// address of your receiver; deliveries are POSTed there as JSON.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this URL receives.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add webhook"))
