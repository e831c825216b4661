"""Forms of the members page."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from workspaces.models import Role


def form_helper(label: str, *layout: Any) -> FormHelper:
    """Return a crispy helper that renders the form tag and one primary submit button."""
    helper = FormHelper()
    if layout:
        helper.layout = Layout(*layout)
    helper.add_input(Submit("submit", label))
    return helper


MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper("Send the invitation", Row(Column("email"), Column("role")))


class JoinForm(UserCreationForm):
    """A new member's account: a username and a password (the e-mail is the invited one)."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper("Create my account and join")


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
