"""Root URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from readiness import views as readiness_views

urlpatterns = [
    path("", readiness_views.home, name="home"),
    path("auth/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("s/", include("readiness.survey_urls")),
    path("", include("readiness.urls")),
    path("", include("scoring.urls")),
]
