"""Root URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from reports import views as report_views

urlpatterns = [
    # The CSM's portfolio is everyone's home page.
    path("", report_views.portfolio, name="home"),
    path("auth/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("s/", include("readiness.survey.urls")),
    path("", include("workspaces.urls")),
    path("", include("readiness.urls")),
    path("", include("usage.urls")),
    path("", include("scoring.urls")),
    path("", include("reports.urls")),
    path("", include("api.page_urls")),
]
