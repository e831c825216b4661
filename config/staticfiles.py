"""collectstatic without the third-party assets the site never serves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.staticfiles import finders

# The API answers JSON only, so DRF's browsable-API assets are never linked; its reference is
# Swagger UI, so the sidecar's Redoc bundle is not either. Leaving them out keeps the
# production collectstatic (which compresses every file) quick.
NEVER_SERVED = ["rest_framework/*", "drf_spectacular_sidecar/redoc/*"]


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    """Django's finder of the apps' static files, less NEVER_SERVED when collecting."""

    def list(self, ignore_patterns: list[str] | None) -> Iterator[tuple[str, Any]]:
        return super().list([*(ignore_patterns or []), *NEVER_SERVED])
