"""Settings shared by every environment, read from the environment with django-environ.

With no variable set at all this is the embedded default: a SQLite file in the project folder,
Celery tasks run in-process and e-mail printed to the console.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- Core ----------------------------------------------------------------------------------

# Only local and test settings fall back to this key; production refuses to start without one.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-do-not-use")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps, bottom layer first: each imports only from the ones above it in this list.
    "workspaces",
    "readiness",
    "usage",
    "scoring",
    "reports",
    "api",
]

MIDDLEWARE = [
    # First, so that every response carries the request id and every log line names it.
    "api.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "workspaces.middleware.CurrentWorkspaceMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspaces.context_processors.workspace",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and in-process tasks write without "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalization ------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfiles.AppDirectoriesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# --- Forms ---------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail --------------------------------------------------------------------------------

# EMAIL_URL=smtp://user:password@host:587/?tls=True switches to SMTP.
vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="AdoptReady <noreply@adoptready.local>")
# Absolute links in e-mails (personal survey links, password reset) start with this.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Cache ---------------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery --------------------------------------------------------------------------------

# Without REDIS_URL, tasks run in-process (eagerly) so the app is fully usable on its own.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = TIME_ZONE
# With the broker down, publishing gives up within about two seconds instead of blocking the
# request for long: the project stays marked and the sweep below catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "scoring-sweep-dirty-projects": {
        "task": "scoring.tasks.sweep_dirty_projects",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "scoring-nightly-recalculation": {
        "task": "scoring.tasks.recalculate_open_projects",
        "schedule": crontab(hour=2, minute=30),
    },
    "close-overdue-assessments": {
        "task": "readiness.tasks.close_overdue_assessments",
        "schedule": 60 * 60,
    },
    "send-due-reminders": {"task": "readiness.tasks.send_due_reminders", "schedule": 60 * 60},
    "requeue-webhook-deliveries": {
        "task": "api.tasks.requeue_webhook_deliveries",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    "expire-usage-uploads": {"task": "usage.tasks.expire_usage_uploads", "schedule": 60 * 60},
    "requeue-stalled-usage-imports": {
        "task": "usage.tasks.requeue_stalled_usage_imports",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
}

# --- Scoring -------------------------------------------------------------------------------

# A burst of triggers within this many seconds gives one recalculation per project.
SCORING_COALESCE_SECONDS = env.int("SCORING_COALESCE_SECONDS", default=5)
# How long the coalescing key outlives the delay, in case the queued task is lost.
SCORING_COALESCE_GRACE_SECONDS = 60

# --- Survey links --------------------------------------------------------------------------

# A client that asks for this many unknown survey links within the window gets 429 pages.
SURVEY_UNKNOWN_LINK_LIMIT = env.int("SURVEY_UNKNOWN_LINK_LIMIT", default=20)
SURVEY_UNKNOWN_LINK_WINDOW = env.int("SURVEY_UNKNOWN_LINK_WINDOW", default=15 * 60)

# --- Logging -------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "filters": {
        # Survey links carry a secret token: every handler drops it from request paths.
        "redact_survey_tokens": {"()": "readiness.survey.log_filters.RedactSurveyTokens"},
        # The id of the request being served (X-Request-ID), "-" outside one.
        "request_id": {"()": "api.request_id.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_survey_tokens", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's own DEBUG-only console handler, which would print paths unfiltered.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # WeasyPrint logs every rendering step at INFO; its warnings are what matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process: a line per task, and kombu's note that the in-memory transport
    # has no host, are noise in the web log and in the output of management commands.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# --- Usage imports -------------------------------------------------------------------------

# Keys the HMAC that replaces user identifiers; empty means a key derived from SECRET_KEY.
# Changing it makes the same person count as a new user in later imports.
USAGE_PSEUDONYM_KEY = env("USAGE_PSEUDONYM_KEY", default="")
USAGE_IMPORT_MAX_BYTES = env.int("USAGE_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
# An upload whose columns nobody confirms is discarded, file and all, after this many hours.
USAGE_UPLOAD_EXPIRY_HOURS = env.int("USAGE_UPLOAD_EXPIRY_HOURS", default=24)

# --- JSON API ------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    # Floats such as "NaN" or "Infinity" are refused rather than stored.
    "STRICT_JSON": True,
    "COERCE_DECIMAL_TO_STRING": False,
}
# Requests per token (DRF's rate syntax: "600/minute", "10000/hour"); 429 with Retry-After past it.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/minute")
# Webhooks: a receiver must answer within this many seconds.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Deliveries to 127.0.0.1 / ::1 (a receiver on the same machine) are refused unless this is on;
# private and link-local addresses are refused always.
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "AdoptReady API",
    "DESCRIPTION": "Readiness scores, assessments, invitations, responses and usage imports. "
    "Authenticate with `Authorization: Bearer <token>` (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI and Redoc come from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "readiness.models.ProjectStatus",
        "AssessmentStateEnum": "readiness.models.AssessmentState",
        "RespondentRoleEnum": "readiness.models.RespondentRole",
    },
    "COMPONENT_SPLIT_REQUEST": True,
}
