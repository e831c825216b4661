"""Input validation for actions, their updates, the action library and the digest preference."""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms

from plans import selectors
from plans.models import Action, ActionLibraryEntry, ActionStatus
from readiness.models import Assessment, Invitation, Project
from workspaces.forms import form_helper

EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
MAX_NOTE_LENGTH = 4000


class DateInput(forms.DateInput):
    input_type = "date"


def _no_control_characters(value: str, what: str) -> str:
    """Refuse control characters other than line breaks and tabs (they break e-mails and CSV)."""
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise forms.ValidationError(f"Remove the control characters from the {what}.")
    return value


class ActionForm(forms.ModelForm):
    target_group = forms.ChoiceField(label="Target group")

    class Meta:
        model = Action
        fields = [
            "title",
            "description",
            "target",
            "target_group",
            "owner",
            "due_on",
            "customer_owner_name",
            "customer_owner_email",
            "source_assessment",
        ]
        widgets = {
            "due_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["title"].error_messages["required"] = "Enter what will be done."
        self.fields["target_group"].choices = selectors.target_group_choices(
            project=project, current=self.instance.target_group if self.instance.pk else ""
        )
        owner = self.fields["owner"]
        owner.queryset = selectors.members(workspace=project.workspace)
        owner.label_from_instance = lambda m: m.user.get_full_name() or m.user.username
        owner.empty_label = "Nobody yet"
        source = self.fields["source_assessment"]
        source.queryset = Assessment.objects.filter(
            workspace_id=project.workspace_id, project=project
        ).order_by("-opens_on", "-id")
        source.empty_label = "None"
        self.helper = form_helper(
            "Save action",
            "title",
            "description",
            Row(Column("target"), Column("target_group")),
            Row(Column("owner"), Column("due_on")),
            Row(Column("customer_owner_name"), Column("customer_owner_email")),
            "source_assessment",
        )

    def clean_title(self) -> str:
        title = _no_control_characters(self.cleaned_data["title"].strip(), "title")
        if not title:
            raise forms.ValidationError("Enter what will be done.")
        return title

    def clean_description(self) -> str:
        return _no_control_characters(self.cleaned_data["description"], "description")

    def clean_customer_owner_name(self) -> str:
        return _no_control_characters(
            self.cleaned_data["customer_owner_name"].strip(), "customer-side owner's name"
        )

    def clean_due_on(self) -> datetime.date | None:
        due = self.cleaned_data.get("due_on")
        if due is not None and not EARLIEST_DATE <= due <= LATEST_DATE:
            raise forms.ValidationError("Enter a due date between 2000 and 2099.")
        return due


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened: it is kept in the action's log with today's date.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper("Save update", "status", "note")

    def clean_note(self) -> str:
        return _no_control_characters(self.cleaned_data["note"].strip(), "note")


class LibraryEntryForm(forms.ModelForm):
    suggested_duration_days = forms.IntegerField(
        label="Suggested duration (days)",
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": "Enter a duration between 1 and 365 days.",
            "max_value": "Enter a duration between 1 and 365 days.",
        },
    )

    class Meta:
        model = ActionLibraryEntry
        fields = ["target", "kind", "title", "guidance", "suggested_duration_days"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The unique constraint names the workspace, which the form sets in the service.
        self.instance.workspace = workspace
        self.fields["title"].error_messages["required"] = "Enter a title."
        self.helper = form_helper(
            "Save entry",
            Row(Column("target"), Column("kind")),
            "title",
            "guidance",
            "suggested_duration_days",
        )

    def clean_title(self) -> str:
        title = _no_control_characters(self.cleaned_data["title"].strip(), "title")
        if not title:
            raise forms.ValidationError("Enter a title.")
        return title

    def clean_guidance(self) -> str:
        return _no_control_characters(self.cleaned_data["guidance"], "guidance")


class DigestPreferenceForm(forms.Form):
    daily_digest = forms.BooleanField(
        required=False, label="Send me a daily e-mail of my due and overdue actions"
    )


class CheckpointRoundForm(forms.Form):
    name = forms.CharField(max_length=200)
    opens_on = forms.DateField(label="Opening date", widget=DateInput())
    closes_on = forms.DateField(label="Closing date", required=False, widget=DateInput())
    invitations = forms.ModelMultipleChoiceField(
        label="Invite again",
        required=False,
        queryset=Invitation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The people of the previous round, invited again with new links. Untick "
        "those who should not be asked; you can add others on the assessment's page before "
        "it opens.",
    )

    def __init__(self, *args: Any, invitations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["invitations"]
        field.queryset = invitations
        field.label_from_instance = lambda person: (
            f"{person.name} <{person.email}> · {person.get_role_display()}"
            + (f" · {person.department}" if person.department else "")
        )
        self.helper = form_helper(
            "Create the round", "name", Row(Column("opens_on"), Column("closes_on")), "invitations"
        )

    def clean_name(self) -> str:
        name = _no_control_characters(self.cleaned_data["name"].strip(), "name")
        if not name:
            raise forms.ValidationError("Name the round.")
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        for field, day in (("opens_on", opens), ("closes_on", closes)):
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(field, "Enter a date between 2000 and 2099.")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "The closing date must be on or after the opening date.")
        return cleaned
