"""A URL configuration with a deliberately unscoped view, to prove the isolation test bites."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from config.urls import urlpatterns as root_urlpatterns
from readiness.models import Project


def leaky_project(request: HttpRequest, project_id: int) -> HttpResponse:
    return HttpResponse(get_object_or_404(Project, pk=project_id).name)


urlpatterns = [
    path("leaky/<int:project_id>/", leaky_project, name="leaky_project"),
    *root_urlpatterns,
]
