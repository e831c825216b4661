from __future__ import annotations

from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from readiness import hooks
        from scoring import selectors, services

        # Readiness and usage sit below scoring: they ask for recalculations through this hook.
        hooks.on_evidence_changed(services.publish_recalculation)
        # Pages of readiness (the assessment page's concerns) apply the model's group size.
        hooks.provide_min_group_size(services.min_group_size)
        # The de-identified responses export covers the responses the figures have shown.
        hooks.provide_responses_shown(selectors.responses_shown)
