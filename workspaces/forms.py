"""Forms of the members page."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model

from workspaces.models import Role


def form_helper(label: str, *layout: Any) -> FormHelper:
    """Return a crispy helper that renders the form tag and one primary submit button."""
    helper = FormHelper()
    if layout:
        helper.layout = Layout(*layout)
    helper.add_input(Submit("submit", label))
    return helper


MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label="Username or e-mail", help_text="The person must already have an account."
    )
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper("Add member", Row(Column("username"), Column("role")))

    def clean_username(self) -> Any:
        value = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        user = (
            user_model.objects.filter(username__iexact=value).first()
            or user_model.objects.filter(email__iexact=value).first()
        )
        if user is None:
            raise forms.ValidationError(
                f"No user “{value}” exists. Ask them to get an account first, then add them here."
            )
        return user


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
