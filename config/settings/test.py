"""Test settings: the local defaults, made fast and deterministic."""

from __future__ import annotations

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests run tasks in-process unless a test starts a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = BASE_DIR / ".pytest_cache" / "media"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
