"""Joining a live workshop: /w/ and /w/<code>/ (no sign-in)."""

from __future__ import annotations

from django.urls import path

from readiness.survey import workshop

app_name = "workshop"

urlpatterns = [
    path("", workshop.enter, name="enter"),
    path("<str:code>/", workshop.join, name="join"),
]
