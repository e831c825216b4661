"""Personal survey links: /s/<token>/ and its steps (no sign-in)."""

from __future__ import annotations

from django.urls import path

from readiness.survey import views as survey_views

app_name = "survey"

urlpatterns = [
    path("<slug:token>/", survey_views.welcome, name="welcome"),
    path("<slug:token>/review/", survey_views.review, name="review"),
    path("<slug:token>/submit/", survey_views.submit, name="submit"),
    path("<slug:token>/<slug:section>/", survey_views.step, name="step"),
]
