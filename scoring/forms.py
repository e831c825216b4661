"""Input validation for usage uploads and their column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from scoring import usage_files as uf

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
