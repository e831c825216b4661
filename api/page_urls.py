"""The api app's pages (not the JSON API itself): managing tokens and webhooks."""

from __future__ import annotations

from django.urls import path

from api import views

app_name = "api_pages"

urlpatterns = [
    path("workspace/api-tokens/", views.api_token_list, name="api_token_list"),
    path(
        "workspace/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("workspace/webhooks/", views.webhook_list, name="webhook_list"),
    path(
        "workspace/webhooks/<int:subscription_id>/",
        views.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "workspace/webhooks/<int:subscription_id>/pause/",
        views.webhook_pause,
        name="webhook_pause",
    ),
    path(
        "workspace/webhooks/<int:subscription_id>/delete/",
        views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "workspace/webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
