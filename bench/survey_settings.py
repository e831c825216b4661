"""Settings of the gunicorn that bench/bench_survey.py starts: production's, with three changes.

The benchmark sets DJANGO_SECRET_KEY (a fresh random value per run) and ALLOWED_HOSTS itself;
DATABASE_URL and REDIS_URL come from the caller. Its clients send `X-Forwarded-Proto: https`
as the TLS-terminating proxy in front of production does, so the HTTPS redirect, the secure
cookies and the CSRF origin check behave exactly as in production.
"""

from __future__ import annotations

from config.settings.production import *  # noqa: F403

# The app's URLs plus the baseline view, which must never be reachable in the real app.
ROOT_URLCONF = "bench.survey_urls"

# The benchmark requests no static file, so plain storage spares it a collectstatic run.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tasks are published to the broker as in production, but to a queue of their own that no
# worker reads and that the benchmark empties at the end: a worker sharing the broker never
# sees them.
CELERY_TASK_DEFAULT_QUEUE = "bench-survey"
