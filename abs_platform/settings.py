"""Settings, all from environment variables with safe defaults.

Without any environment the app runs on the embedded default: a SQLite file
and a filesystem Celery broker under ./var (see docs/decisions/0002).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ABS_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="django-insecure-dev-key-set-SECRET_KEY-in-production-0123456789")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_countries",
    "django_htmx",
    "template_partials",
    "simple_history",
    "django_celery_beat",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "abs_platform.tenancy",
    "abs_platform.jobs",
    "accounts",
    "personas",  # before icp: the demo's fit scores read the signals and deals of personas' demo
    "icp",
    "teams",
    "tasks",
    "plays",
    "planning",
    "checks",
    "webhooks",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "abs_platform.web.numbers.NumberLocaleMiddleware",
    "abs_platform.tenancy.middleware.TenantMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out log-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "abs_platform.urls"
WSGI_APPLICATION = "abs_platform.wsgi.application"

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
                "abs_platform.web.context_processors.workspace",
            ],
            "libraries": {"numbers": "abs_platform.web.number_filters"},
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 with server-side binding: a statement run DB_PREPARE_THRESHOLD times on a connection
    # is prepared, so PostgreSQL stops planning it per request; 0 turns preparing off (ADR 0007).
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": env.int("DB_PREPARE_THRESHOLD", default=2) or None,
        **DATABASES["default"].get("OPTIONS", {}),  # e.g. ?sslmode=require in DATABASE_URL
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# PostgreSQL roles used for row-level security (docs/decisions/0001).
# The app connects as DB_APP_ROLE (no superuser, not table owner); migrations
# run as the owner and grant DML to it. Ops-admin requests switch to
# DB_BYPASS_ROLE (BYPASSRLS) for their transaction only.
DB_APP_ROLE = env("DB_APP_ROLE", default="abs_app")
DB_BYPASS_ROLE = env("DB_BYPASS_ROLE", default="abs_bypass")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Where a workspace opens (its first page): the project wires the apps, the tenancy views only follow this.
WORKSPACE_HOME_URL = "accounts:page"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="abs@localhost")
if "EMAIL_URL" in env:
    vars().update(env.email("EMAIL_URL"))

# Shared by all web processes in deployment (Redis): API keys and memberships are cached there and
# dropped on change (tenancy/caching.py), so a per-process cache would keep a revoked key alive.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Sessions read from the cache, written through to the database (they survive a cache flush); Django's
# cached_db, readable with the cache down (tenancy/sessions.py, docs/decisions/0006 addendum).
SESSION_ENGINE = "abs_platform.tenancy.sessions"
# django-axes first (refuses a locked-out log-in before the password is checked), then the model backend
# with the session's user kept in the cache (tenancy/caching.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "abs_platform.tenancy.caching.CachedUserBackend"]

# Brute-force limits (abs_platform/tenancy/throttling.py, docs/operations.md). Log-in (site and admin):
# LOGIN_FAILURE_LIMIT failed attempts for one username, or from one client address, lock that username or
# address out for LOGIN_LOCKOUT_MINUTES (429 with Retry-After); failures older than that are forgotten.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_ENABLED = env.bool("LOGIN_THROTTLE_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "abs_platform.tenancy.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "abs_platform.tenancy.throttling.login_lockout"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Password-reset requests per client address and, separately, per e-mail address entered.
PASSWORD_RESET_THROTTLE_RATE = env("PASSWORD_RESET_THROTTLE_RATE", default="5/hour")
# Self-service sign-up (/signup/, linked from the log-in page): anyone may create a workspace and become its
# owner. Off unless set; `make run` sets it. Sign-up attempts per client address are limited.
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=False)
SIGNUP_THROTTLE_RATE = env("SIGNUP_THROTTLE_RATE", default="10/hour")
# API requests per API key (DRF's rate syntax: <n>/second|minute|hour|day; empty: no limit).
API_KEY_THROTTLE_RATE = env("API_KEY_THROTTLE_RATE", default="600/minute") or None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "abs_platform.tenancy.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["abs_platform.tenancy.permissions.TenantRolePermission"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "abs_platform.web.negotiation.HtmxContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "abs_platform.web.renderers.HtmxFragmentRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "abs_platform.web.filters.QueryParamFilterBackend",
        "abs_platform.web.filters.NamedSearchFilter",
        "abs_platform.web.filters.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["abs_platform.tenancy.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "abs_platform.web.pagination.TenantCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "abs_platform.web.schema.AutoSchema",
    "EXCEPTION_HANDLER": "abs_platform.web.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ABS Platform API",
    "DESCRIPTION": "Account-based selling: target accounts, ICP, personas, plays and metrics. "
    "Authenticate with a per-workspace API key: `Authorization: Api-Key <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["abs_platform.web.schema.only_public_api"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Schema generation runs without a tenant: the scoped `objects` manager would raise (only `.none()` is used).
    "DEFAULT_QUERY_MANAGER": "all_tenants",
    # One name per choice set: several fields are called `kind`, and some choice sets serve two fields
    # (without these, `check --deploy` warns drf_spectacular.W001).
    "ENUM_NAME_OVERRIDES": {
        "BuyingRoleEnum": "accounts.models.BuyingRole",
        "SeniorityEnum": "accounts.models.Seniority",
        "ContactStatusEnum": "accounts.models.ContactStatus",
        "OpportunityKindEnum": "accounts.models.OpportunityKind",
        "ImportKindEnum": "accounts.models.ImportKind",
        "CriterionKindEnum": "icp.models.CriterionKind",
        "TeamRoleEnum": "teams.models.TeamRole",
    },
}

# Celery: Redis in deployment and tests; a zero-install filesystem broker by default.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="filesystem://"))
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown we use; a killed worker's task returns after this.
        "visibility_timeout": 2 * 60 * 60,
        # Sending to a broker that is down fails in milliseconds, not ~6 s of retries: the job stays in the
        # outbox and the relay sends it (docs/decisions/0018).
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Installed into the database schedule when beat starts (then editable in the admin).
CELERY_BEAT_SCHEDULE = {
    "jobs-relay": {"task": "jobs.relay", "schedule": 60.0},  # abs_platform/jobs/tasks.py
    "jobs-fail-stalled": {"task": "jobs.fail_stalled", "schedule": 600.0},
    # checks/tasks.py: one decay check (01:30 UTC) and one coverage check (02:00 UTC) job per active workspace, daily.
    "checks-coverage": {"task": "checks.coverage_check_all", "schedule": crontab(minute=0, hour=2)},
    "checks-decay": {"task": "checks.decay_check_all", "schedule": crontab(minute=30, hour=1)},
    # metrics/tasks.py: one daily snapshot job per active workspace after the checks (03:00 UTC); back-fills gaps.
    "metrics-snapshots": {"task": "metrics.snapshot_take_all", "schedule": crontab(minute=0, hour=3)},
}
CELERY_TIMEZONE = "UTC"

# CSV imports: files beyond these are refused (400) before any other work; docs/api.md "Import".
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=10_000)
# Bulk creates of the API (POST .../bulk/ with a JSON list): longer lists are refused (400); docs/api.md.
API_BULK_MAX_ITEMS = env.int("API_BULK_MAX_ITEMS", default=500)

# Production hardening (`manage.py check --deploy` passes with DEBUG off).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): the app's pages load scripts, styles, images and fonts from this
# origin only, with no inline script or style attribute (templates declare behaviour with data attributes,
# static/js/app.js carries it out). The API docs pages relax it (abs_platform/urls.py, docs/operations.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the app never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
