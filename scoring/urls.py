from __future__ import annotations

from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("workspace/scoring-model/", views.scoring_model, name="scoring_model"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("projects/<int:project_id>/report/", views.project_report, name="project_report"),
    path("projects/<int:project_id>/report.pdf", views.project_report_pdf, name="report_pdf"),
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
]
