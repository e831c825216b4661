"""Input validation for accounts, projects, assessments, templates and members."""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from readiness import csv_io
from readiness.models import (
    ADKAR_DIMENSIONS,
    SURVEY_LANGUAGES,
    Account,
    Assessment,
    AssessmentState,
    Dimension,
    Project,
    RespondentRole,
    SurveyTemplate,
)
from workspaces.forms import form_helper
from workspaces.models import Role, Workspace

# Bounds that catch typos (a year 0001, a million reminders) before they reach the data.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 2000 and 2099."
MAX_LICENSED_SEATS = 1_000_000
MAX_REMINDERS = 10
MAX_REMINDER_INTERVAL_DAYS = 60


MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["name", "external_id", "industry", "owner"]

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(
                Q(memberships__workspace=workspace, memberships__role__in=(Role.CSM, Role.ADMIN))
                | Q(pk=self.instance.owner_id)
            )
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["owner"].help_text = "A customer-success manager (or admin) of this workspace."
        self.fields["owner"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        self.helper = form_helper("Save account")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter the customer's name.")
        return name

    def clean_external_id(self) -> str:
        external_id = self.cleaned_data["external_id"].strip()
        if (
            external_id
            and Account.objects.for_workspace(self.workspace)
            .filter(external_id__iexact=external_id)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(
                f"Another account already uses the external id “{external_id}”. "
                "Each account needs its own."
            )
        return external_id


class TrackedFeaturesField(forms.CharField):
    """A comma- or newline-separated list of feature names, stored as a list."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        names: list[str] = []
        for part in text.replace("\n", ",").split(","):
            name = part.strip()
            if name and name not in names:
                names.append(name)
        return names

    def validate(self, value: list[str]) -> None:
        if any(len(name) > 100 for name in value):
            raise forms.ValidationError("Keep each feature name under 100 characters.")


class ProjectForm(forms.ModelForm):
    tracked_features = TrackedFeaturesField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: the product features whose use counts towards feature breadth, "
        "separated by commas.",
    )

    class Meta:
        model = Project
        fields = [
            "account",
            "name",
            "product_name",
            "status",
            "licensed_seats",
            "kickoff_date",
            "golive_date",
            "tracked_features",
        ]
        widgets = {"kickoff_date": DateInput(), "golive_date": DateInput()}
        help_texts = {"licensed_seats": "How many seats the customer bought (at least 1)."}

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.for_workspace(workspace)
        # One message for every out-of-range value, from clean_licensed_seats.
        self.fields["licensed_seats"].validators = []
        self.fields["licensed_seats"].widget.attrs.update({"min": 1, "max": MAX_LICENSED_SEATS})
        self.helper = form_helper(
            "Save project",
            "account",
            Row(Column("name"), Column("product_name")),
            Row(Column("status"), Column("licensed_seats")),
            Row(Column("kickoff_date"), Column("golive_date")),
            "tracked_features",
        )

    def clean_licensed_seats(self) -> int | None:
        seats = self.cleaned_data["licensed_seats"]
        if seats is not None and not 1 <= seats <= MAX_LICENSED_SEATS:
            raise forms.ValidationError(
                f"Licensed seats must be a whole number from 1 to {MAX_LICENSED_SEATS:,}."
            )
        return seats

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("kickoff_date", "golive_date"):
            if cleaned.get(name) and not EARLIEST_DATE <= cleaned[name] <= LATEST_DATE:
                self.add_error(name, DATE_RANGE_MESSAGE)
        kickoff, golive = cleaned.get("kickoff_date"), cleaned.get("golive_date")
        if kickoff and golive and golive < kickoff:
            self.add_error("golive_date", "The go-live date cannot be before the kick-off date.")
        return cleaned


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = [
            "name",
            "template",
            "opens_on",
            "closes_on",
            "max_reminders",
            "reminder_interval_days",
        ]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput()}
        labels = {
            "max_reminders": "Reminders at most",
            "reminder_interval_days": "Days between reminders",
        }

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        from readiness.selectors import template_latest_versions

        super().__init__(*args, **kwargs)
        templates = template_latest_versions(workspace=workspace)
        if self.instance.pk:
            templates = templates | SurveyTemplate.objects.filter(pk=self.instance.template_id)
            if self.instance.state != AssessmentState.DRAFT:
                self.fields["template"].disabled = True
                self.fields[
                    "template"
                ].help_text = "The template is fixed once the assessment has been opened."
        self.fields["template"].queryset = templates
        self.fields["reminder_interval_days"].min_value = 1
        self.helper = form_helper(
            "Save assessment",
            Row(Column("name"), Column("template")),
            Row(Column("opens_on"), Column("closes_on")),
            Row(Column("max_reminders"), Column("reminder_interval_days")),
        )

    def clean_reminder_interval_days(self) -> int:
        days = self.cleaned_data["reminder_interval_days"]
        if not 1 <= days <= MAX_REMINDER_INTERVAL_DAYS:
            raise forms.ValidationError(
                f"Leave between 1 and {MAX_REMINDER_INTERVAL_DAYS} days between reminders."
            )
        return days

    def clean_max_reminders(self) -> int:
        count = self.cleaned_data["max_reminders"]
        if count > MAX_REMINDERS:
            raise forms.ValidationError(
                f"Send at most {MAX_REMINDERS} reminders: more than that annoys people."
            )
        return count

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        for name in ("opens_on", "closes_on"):
            if cleaned.get(name) and not EARLIEST_DATE <= cleaned[name] <= LATEST_DATE:
                self.add_error(name, DATE_RANGE_MESSAGE)
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "The closing date cannot be before the opening date.")
        if (
            self.instance.state == AssessmentState.OPEN
            and closes_on
            and closes_on < timezone.localdate()
        ):
            self.add_error(
                "closes_on",
                "An open assessment cannot close in the past. Pick today or a later date, or "
                "use “Close assessment” on its page to close it now.",
            )
        return cleaned


class InvitationForm(forms.Form):
    """One respondent, added by hand."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=RespondentRole.choices)
    department = forms.CharField(max_length=200, required=False)
    language = forms.ChoiceField(
        label="Survey language",
        choices=SURVEY_LANGUAGES,
        help_text="The language of the invitation e-mail and of the survey.",
    )

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        self.fields["language"].initial = assessment.workspace.default_language
        self.fields["email"].error_messages["invalid"] = (
            "Enter a valid e-mail address, like name@example.com."
        )
        self.helper = form_helper(
            "Invite",
            Row(Column("name"), Column("email")),
            Row(Column("role"), Column("department"), Column("language")),
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.assessment.invitations.filter(email=email).exists():
            raise forms.ValidationError(f"{email} is already invited to this assessment.")
        return email


class AssessmentReopenForm(forms.Form):
    closes_on = forms.DateField(
        label="New closing date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Choose the new closing date.",
            "invalid": "Enter the new closing date as YYYY-MM-DD.",
        },
    )

    def clean_closes_on(self) -> datetime.date:
        closes_on = self.cleaned_data["closes_on"]
        if not EARLIEST_DATE <= closes_on <= LATEST_DATE:
            raise forms.ValidationError(DATE_RANGE_MESSAGE)
        return closes_on


class EmailTextForm(forms.Form):
    """An invitation or reminder e-mail: its subject and plain text with placeholders."""

    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(
        label="Text",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Placeholders: {name}, {customer}, {product}, {assessment}, {closes_on} and "
        "{link} (required: the personal survey link).",
    )


class InvitationEditForm(forms.Form):
    """An invitee's details, to correct them (the personal link stays the same)."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=RespondentRole.choices)
    department = forms.CharField(max_length=200, required=False)
    language = forms.ChoiceField(label="Survey language", choices=SURVEY_LANGUAGES)
    attributes = forms.CharField(
        label="Further attributes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "location: Lyon\nteam: Dispatch"}),
        help_text="One per line, as “name: value” (the report can cut its figures by them).",
    )

    def __init__(self, *args: Any, invitation: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": invitation.name,
                "email": invitation.email,
                "role": invitation.role,
                "department": invitation.department,
                "language": invitation.language,
                "attributes": "\n".join(
                    f"{name}: {value}" for name, value in (invitation.attributes or {}).items()
                ),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["invalid"] = (
            "Enter a valid e-mail address, like name@example.com."
        )
        self.helper = form_helper(
            "Save",
            Row(Column("name"), Column("email")),
            Row(Column("role"), Column("department"), Column("language")),
            "attributes",
        )

    def clean_attributes(self) -> dict[str, str]:
        attributes: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["attributes"].splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip() or not value.strip():
                raise forms.ValidationError(
                    f"Line {number}: write each attribute as “name: value”, e.g. “location: Lyon”."
                )
            attributes[" ".join(name.split()).lower()] = value.strip()
        return attributes


class InvitationListForm(forms.Form):
    """A pasted or uploaded list of respondents, one per line."""

    people = forms.CharField(
        label="Paste a list",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "Name, e-mail, role, department, language"}
        ),
        help_text="One person per line: name, e-mail, role (sponsor, manager or end_user), "
        "department (optional), survey language (optional: en, de, fr or es; the workspace's "
        "default language otherwise). A header row is optional.",
    )
    file = forms.FileField(
        label="…or upload a CSV file",
        required=False,
        help_text="Same columns, UTF-8, separated by commas, semicolons or tabs.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper("Invite everyone on the list")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        text = cleaned.get("people", "")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError("The file is too large: upload at most 2 MB at a time.")
            try:
                text = csv_io.decode(upload.read())
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        if not text.strip():
            raise forms.ValidationError("Paste the list or choose a file.")
        try:
            cleaned["rows"] = csv_io.read_person_list(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class ResponseImportForm(forms.Form):
    """A CSV of responses gathered outside the app, in the export's format."""

    file = forms.FileField(
        label="Responses file (CSV)",
        help_text="The export's columns: name, email, role, department, then one column per "
        "question code. Values 1–5 (or dont_know) for statements, 0–10 for NPS.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = "Choose the CSV file to import."
        self.helper = form_helper("Import responses")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is too large: upload at most 2 MB at a time.")
        try:
            return csv_io.decode(upload.read())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class WorkshopPromptsForm(forms.Form):
    """Up to three discussion prompts per ADKAR dimension, one a line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in ADKAR_DIMENSIONS:
            self.fields[dimension] = forms.CharField(
                label=Dimension(dimension).label,
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="At most three prompts, one a line. {product} is the product's name.",
            )
        self.helper = form_helper("Save the prompts")
        self.helper.form_action = reverse("readiness:workshop_prompts_edit")

    def prompts(self) -> dict[str, list[str]]:
        """Return the prompts per dimension, one per non-empty line."""
        return {
            dimension: self.cleaned_data.get(dimension, "").splitlines()
            for dimension in ADKAR_DIMENSIONS
        }
