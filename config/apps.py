"""Project-wide application configuration."""

from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig


class ProjectStaticFilesConfig(StaticFilesConfig):
    """collectstatic without the third-party assets the site never serves.

    The API answers JSON only, so DRF's browsable-API assets are never linked; its reference
    is Swagger UI, so the sidecar's Redoc bundle is not either. Leaving them out keeps the
    production collectstatic (which compresses every file) quick.
    """

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "rest_framework/*",
        "drf_spectacular_sidecar/redoc/*",
    ]
