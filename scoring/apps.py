from __future__ import annotations

from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from readiness import hooks
        from scoring import services

        # Readiness and usage sit below scoring: they ask for recalculations through this hook.
        hooks.on_evidence_changed(services.publish_recalculation)
