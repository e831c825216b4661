from __future__ import annotations

from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "readiness"
    verbose_name = "Readiness"
