"""Validators shared by every app's models and forms."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError


def validate_single_line_text(value: str) -> None:
    """Refuse control characters (line breaks, tabs, NUL, …) in a name.

    Names go into e-mail headers and CSV files: a line break in an account's name made every
    invitation of its assessments fail to send.
    """
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(
            "Remove the line breaks, tabs and other control characters from this name.",
            code="control_characters",
        )
