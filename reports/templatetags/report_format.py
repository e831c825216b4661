"""Template filters that show scores the way every page does: rounded here, and only here."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from scoring import engine

register = template.Library()

MISSING = "—"


@register.filter
def figure(value: float | None) -> str:
    """Return a figure with one decimal, or a dash when it is missing."""
    if value is None or value == "":
        return MISSING
    return f"{float(value):.1f}"


@register.filter
def signed(value: float | None) -> str:
    """Return a change with its sign and one decimal (+2.5, −1.0), or a dash when missing."""
    if value is None:
        return MISSING
    rounded = round(float(value), 1)
    if rounded == 0:
        return "±0.0"
    return f"+{rounded:.1f}" if rounded > 0 else f"−{abs(rounded):.1f}"


@register.filter
def share(ratio: float | None) -> str:
    """Return a 0–1 ratio as a percentage with one decimal, or a dash when missing."""
    if ratio is None or ratio == "":
        return MISSING
    return f"{float(ratio) * 100:.1f} %"


@register.filter
def bar_width(ratio: float | None) -> str:
    """Return a 0–1 ratio as a CSS width percentage, clamped to 0–100."""
    if ratio is None:
        return "0%"
    return f"{min(max(float(ratio), 0.0), 1.0) * 100:.1f}%"


@register.filter
def band_label(band: str | None) -> str:
    """Return the name of a band code ("at_risk" → "At risk")."""
    return engine.BAND_LABELS.get(band or "", "Not enough data")


@register.filter
def flag_label(code: str) -> str:
    """Return the name of a flag code."""
    return engine.FLAG_LABELS.get(code, code)


@register.filter
def dimension_label(code: str) -> str:
    """Return the name of an ADKAR dimension or of "none" (no barrier)."""
    return engine.DIMENSION_LABELS.get(code, "No barrier")


@register.filter
def get(mapping: Mapping | None, key: str) -> object:
    """Return `mapping[key]`, or None when the mapping or the key is missing."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def missing_only(components: list[Mapping] | None) -> list[Mapping]:
    """Return the score components that had no data (for listing them with separators)."""
    return [component for component in components or [] if component.get("missing")]
