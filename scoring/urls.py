from __future__ import annotations

from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("workspace/scoring-model/", views.scoring_model, name="scoring_model"),
    path(
        "projects/<int:project_id>/recalculate/",
        views.project_recalculate,
        name="project_recalculate",
    ),
]
