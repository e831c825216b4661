from __future__ import annotations

from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Change plans"

    def ready(self) -> None:
        # Lower layers cannot import this app: they call what it registers here.
        from plans import services
        from scoring import hooks
        from workspaces.hooks import on_workspace_created

        on_workspace_created(services.action_library_ensure_for)
        hooks.register_snapshots_stored(services.action_effects_record)
