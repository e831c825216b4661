from __future__ import annotations

from django.urls import path

from usage import views

app_name = "usage"

urlpatterns = [
    path("usage/upload/", views.workspace_usage_upload, name="workspace_usage_upload"),
    path(
        "projects/<int:project_id>/usage/upload/",
        views.project_usage_upload,
        name="project_usage_upload",
    ),
    path("usage/imports/", views.usage_import_list, name="usage_import_list"),
    path("usage/imports/<int:import_id>/", views.usage_import_detail, name="usage_import_detail"),
    path(
        "usage/imports/<int:import_id>/start/",
        views.usage_import_start,
        name="usage_import_start",
    ),
    path(
        "usage/imports/<int:import_id>/discard/",
        views.usage_import_discard,
        name="usage_import_discard",
    ),
    path(
        "usage/imports/<int:import_id>/delete/",
        views.usage_import_delete,
        name="usage_import_delete",
    ),
    path(
        "usage/imports/<int:import_id>/status/",
        views.usage_import_status,
        name="usage_import_status",
    ),
]
