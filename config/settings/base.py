"""Settings shared by every environment, read from the environment with django-environ.

With no variable set at all this is the embedded default: a SQLite file in the project folder,
Celery tasks run in-process and e-mail printed to the console.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

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
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps, bottom layer first: each imports only from the ones above it in this list.
    "workspaces",
    "readiness",
    "usage",
    "scoring",
    "plans",
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
    "workspaces.middleware.RefuseNulCharactersMiddleware",
    "workspaces.middleware.PrivatePagesMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
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
# django-axes first: it refuses a sign-in (the app's or the admin's) after too many failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in and password-reset throttling --------------------------------------------------

# Five wrong passwords for one username from one address lock that pair out for 15 minutes
# (per pair, so that nobody can lock a colleague out from elsewhere); a right password resets
# the count. Failures are kept in the database, so the lock holds with Redis down.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "workspaces.net.client_address"
AXES_VERBOSE = False
# Password-reset e-mails asked for from one address / for one e-mail address, per window.
PASSWORD_RESET_LIMIT_PER_ADDRESS = 10
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
PASSWORD_RESET_WINDOW = 60 * 60

# --- Admin ---------------------------------------------------------------------------------

# The Django admin's path; empty turns the admin off (production's default).
ADMIN_URL = env("ADMIN_URL", default="admin/")

# --- Content-Security-Policy ---------------------------------------------------------------

# No inline script anywhere (behaviours live in static/js/); style attributes stay allowed
# for the progress bars' widths.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalization ------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
# The respondent flow speaks these (readiness.models.SURVEY_LANGUAGES); the staff pages stay
# English. No LocaleMiddleware: a survey page activates its invitation's language itself.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
# Catalogues: locale/<code>/LC_MESSAGES/django.po, compiled to .mo by `make messages`.
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
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


def redis_cache_settings(url: str) -> dict:
    """Return the cache settings for Redis at `url`.

    Fail-open: with Redis unreachable every cache call is logged and answered as a miss, so no
    page fails and no response is lost; the short timeouts bound the wait per call.
    """
    return {
        "default": {
            "BACKEND": "workspaces.cache.FailOpenRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


if REDIS_URL:
    CACHES = redis_cache_settings(REDIS_URL)
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
# Tasks are acknowledged late: Redis hands an unacknowledged task to another worker after
# `visibility_timeout`. It must outlast the longest task time limit (the nightly
# recalculation's 55 minutes) plus the longest countdown, or a task still running would run
# twice at once; a test checks it against every registered task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 2 * 60 * 60,
}
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
    # Owners get their due and overdue actions once a day; a second run that day sends nothing.
    "plans-action-digests": {
        "task": "plans.tasks.send_action_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Each action whose due date passed is announced once (the `action.overdue` webhook).
    "plans-announce-overdue-actions": {
        "task": "plans.tasks.announce_overdue_actions",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    "requeue-webhook-deliveries": {
        "task": "api.tasks.requeue_webhook_deliveries",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    "expire-usage-uploads": {"task": "usage.tasks.expire_usage_uploads", "schedule": 60 * 60},
    "fail-stalled-usage-imports": {
        "task": "usage.tasks.fail_stalled_usage_imports",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
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
# How many proxies in front of the app append to X-Forwarded-For (1 behind the documented TLS
# proxy): the client address the limit counts is the one the outermost trusted proxy saw.
# 0 counts REMOTE_ADDR; never set it higher than the real number of proxies, or clients could
# choose their own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# A live workshop: unknown join codes tried per address, and participants one address may add
# to a workshop (a whole room can share one address behind the customer's NAT).
WORKSHOP_UNKNOWN_CODE_LIMIT = env.int("WORKSHOP_UNKNOWN_CODE_LIMIT", default=20)
WORKSHOP_UNKNOWN_CODE_WINDOW = env.int("WORKSHOP_UNKNOWN_CODE_WINDOW", default=15 * 60)
WORKSHOP_JOIN_LIMIT = env.int("WORKSHOP_JOIN_LIMIT", default=500)
WORKSHOP_JOIN_WINDOW = env.int("WORKSHOP_JOIN_WINDOW", default=60 * 60)

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
# An import "processing" for this long whose worker is gone (its row is not locked) is failed
# by the periodic task. Longer than the task time limit (CELERY_TASK_TIME_LIMIT, 15 minutes),
# after which a hung worker is killed.
USAGE_IMPORT_STALL_MINUTES = env.int("USAGE_IMPORT_STALL_MINUTES", default=20)

# --- JSON API ------------------------------------------------------------------------------

# Requests under this path are the JSON API's: errors answer in its JSON shape, never a page.
API_PATH_PREFIX = "/api/"

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
