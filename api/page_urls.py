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
]
