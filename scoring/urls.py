from __future__ import annotations

from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("workspace/scoring-model/", views.scoring_model, name="scoring_model"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("projects/<int:project_id>/report/", views.project_report, name="project_report"),
    path("projects/<int:project_id>/report.pdf", views.project_report_pdf, name="report_pdf"),
    path("projects/<int:project_id>/heatmap/", views.project_heatmap, name="project_heatmap"),
    path(
        "projects/<int:project_id>/scores.csv",
        views.project_history_csv,
        name="project_history_csv",
    ),
    path(
        "projects/<int:project_id>/recalculate/",
        views.project_recalculate,
        name="project_recalculate",
    ),
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
