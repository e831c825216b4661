from __future__ import annotations

from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "readiness"
    verbose_name = "Readiness"

    def ready(self) -> None:
        from readiness import services
        from workspaces import hooks

        # Workspaces sit below readiness: every new workspace gets the default ADKAR template.
        hooks.on_workspace_created(
            lambda workspace: services.default_template_ensure(workspace=workspace)
        )
