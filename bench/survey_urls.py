"""URLs of the survey benchmark's server: the app's own, plus the baseline view (bench only)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path

BASELINE_TABLE = "bench_survey_baseline"


def baseline_insert(request: HttpRequest) -> HttpResponse:
    """Insert one row on POST; on GET hand out the CSRF token, as a page with a form does.

    The least a submission has to do: go through the same middleware (CSRF included) and
    commit one INSERT.
    """
    if request.method != "POST":
        return HttpResponse(get_token(request), content_type="text/plain")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (client) VALUES (%s)", [request.POST.get("client", "")]
        )
    return HttpResponse("stored", content_type="text/plain")


urlpatterns = [
    path("bench/baseline-insert/", baseline_insert, name="bench-baseline-insert"),
    path("", include("config.urls")),
]
