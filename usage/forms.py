"""Forms of usage imports: the upload, the column mapping and the list's filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from readiness.models import Project
from usage import files as uf
from workspaces.models import Workspace


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
        label="Usage file (CSV, XLSX, or an analytics export)",
        help_text="Columns: date, user, feature, count. You can map other column names next. "
        "Segment, Mixpanel and Amplitude exports (JSON lines, gzip too) are read as they are.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xlsx,.jsonl,.ndjson,.json,.gz"}
        ),
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
