"""Template filters that show usage figures the way the pages do: one decimal."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(ratio: float | None) -> str:
    """Return a 0–1 ratio as a percentage with one decimal, or a dash when it is missing."""
    if ratio is None:
        return "—"
    return f"{floatformat(ratio * 100, 1)} %"
