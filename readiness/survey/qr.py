"""The workshop's QR code, drawn on the server (segno: pure Python, no external service)."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, label: str) -> SafeString:
    """Return an inline SVG QR code of `url` that scales to its container, titled `label`."""
    code = segno.make(url, error="m")
    # Black on white whatever the page's theme: phone cameras read dark modules on a light
    # ground (and a four-module quiet zone) most reliably.
    svg = code.svg_inline(
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=label,
        svgclass="workshop-qr",
    )
    return mark_safe(svg)  # segno escapes the title; the rest is its own markup
