"""Root URL configuration."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from reports import views as report_views
from workspaces.throttle import password_reset

urlpatterns = [
    # The CSM's portfolio is everyone's home page.
    path("", report_views.portfolio, name="home"),
    # Throttled per address and per e-mail address; the other auth pages are Django's.
    path("auth/password_reset/", password_reset, name="password_reset"),
    path("auth/", include("django.contrib.auth.urls")),
    path("api/v1/", include("api.urls")),
    path("s/", include("readiness.survey.urls")),
    path("w/", include("readiness.survey.workshop_urls")),
    path("", include("workspaces.urls")),
    path("", include("readiness.urls")),
    path("", include("usage.urls")),
    path("", include("scoring.urls")),
    path("", include("plans.urls")),
    path("", include("reports.urls")),
    path("", include("api.page_urls")),
]
# Off when ADMIN_URL is empty (production's default).
if settings.ADMIN_URL:
    urlpatterns.append(path(settings.ADMIN_URL, admin.site.urls))
