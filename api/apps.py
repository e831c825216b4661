from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from api.request_id import forget_request_id

        request_finished.connect(forget_request_id, dispatch_uid="api.forget_request_id")

        from api.webhooks import webhook_event_record
        from workspaces.events import on_event

        # The services below emit their events through workspaces.events; webhooks listen.
        on_event(webhook_event_record)

        from api.demo import demo_api_seed
        from reports.hooks import on_demo_seed

        # seed_demo (reports) cannot import the api app: the demo's token and webhook come here.
        on_demo_seed(demo_api_seed)
