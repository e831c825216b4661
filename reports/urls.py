from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("projects/<int:project_id>/report/", views.project_report, name="project_report"),
    path("projects/<int:project_id>/report.pdf", views.project_report_pdf, name="report_pdf"),
    path(
        "projects/<int:project_id>/scores.csv",
        views.project_history_csv,
        name="project_history_csv",
    ),
]
