from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("projects/<int:project_id>/report/", views.project_report, name="project_report"),
    path("projects/<int:project_id>/report.pdf", views.project_report_pdf, name="report_pdf"),
    path("projects/<int:project_id>/heatmap/", views.project_heatmap, name="project_heatmap"),
    path("projects/<int:project_id>/plan.csv", views.plan_csv, name="plan_csv"),
    path("projects/<int:project_id>/share/", views.project_share, name="project_share"),
    path("share-links/<int:link_id>/revoke/", views.share_link_revoke, name="share_link_revoke"),
    # The sponsor's read-only view: no sign-in, the secret is the key.
    path("r/<str:token>/", views.shared_report, name="shared_report"),
    path("workshops/<int:workshop_id>/", views.workshop_presenter, name="workshop_presenter"),
    path("workshops/<int:workshop_id>/live/", views.workshop_live, name="workshop_live"),
    path(
        "workshops/<int:workshop_id>/prompts/to-plan/",
        views.workshop_prompt_to_plan,
        name="workshop_prompt_to_plan",
    ),
    path(
        "projects/<int:project_id>/scores.csv",
        views.project_history_csv,
        name="project_history_csv",
    ),
]
