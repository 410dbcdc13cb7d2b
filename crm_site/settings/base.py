"""Settings shared by every environment.

Every value that differs between machines comes from the environment through one typed
reader (django-environ), which rejects malformed values at start-up instead of at the
first request.  The embedded default (no DATABASE_URL, no CELERY_BROKER_URL) is a SQLite
file under ``var/`` with Celery tasks run inline, so a newcomer needs no services.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_int(name: str, default: int) -> int | str:
    """A whole number from the environment — or, when it is not one, the text as given:
    ``crm_site.checks`` then refuses to start with a message naming the variable (a bare
    ``int()`` here would stop every process with a traceback instead)."""
    raw = env.str(name, default=str(default)).strip()
    try:
        return int(raw)
    except ValueError:
        return raw


def env_rates(name: str, default: dict[str, float]) -> dict[str, float | str | None]:
    """``CNY=0.13,USD=0.92`` → {currency: rate}; a value that is not a number is kept as
    text (and a pair without ``=`` as None) for ``crm_site.checks`` to report."""
    raw = env.str(name, default="").strip()
    if not raw:
        return dict(default)
    rates: dict[str, float | str | None] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        code, sep, value = pair.partition("=")
        try:
            rates[code.strip()] = float(value) if sep else None
        except ValueError:
            rates[code.strip()] = value.strip()
    return rates


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "crm_site.apps.CrmAdminConfig",  # Django's admin, every change audited (crm_site.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens: only a digest is stored, each token expires (model: crm_site.tokens)
    "axes",  # login throttling per account, counted in the database (shared by every process)
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN
    "django_htmx",
    "django_guid",
    "crm_site",
    "crm_site.tokens",
    "outbox",
    "guests",
    "loyalty",
    "complaints",
    "analytics",
    "care",
    "accounts",
    "nightly",
    "performance",
]

MIDDLEWARE = [
    # First, so every log line of the request carries its id (X-Request-ID in and out).
    "django_guid.middleware.guid_middleware",
    "crm_site.logs.RequestLogMiddleware",
    # An API answer's data freed with the answer, not by the cyclic collector (gc_tuning).
    "crm_site.gc_tuning.ReleaseApiAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Security headers first, so every answer carries them (413s, error pages, static files).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "crm_site.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm_site.session_perms.SessionPermissionsMiddleware",
    "crm_site.auth_middleware.SessionAccountMiddleware",
    "crm_site.timezones.UserTimezoneMiddleware",  # the user's own zone (hotels' pages use the hotel's)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into crm_site.login_throttle's answer
]

ROOT_URLCONF = "crm_site.urls"
WSGI_APPLICATION = "crm_site.wsgi.application"

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
                "django.template.context_processors.i18n",
                "crm_site.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Largest request body accepted (a bulk batch of 500 stays is well under 1 MB); larger
# answers 413 before it is read.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=4 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# Short-lived counters and caches.  Use Redis in production (CACHE_URL=redis://host:6379/1)
# so every web process shares them.  (Log-in failures are counted in the database.)
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes refuses a locked account before any password is checked; ModelBackend checks it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "guests:search"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (vendored, served by whitenoise; no CDN) ---------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "crm_site" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm_site.tokens.authentication.CrmTokenAuthentication",
        "crm_site.tokens.authentication.CrmSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm_site.permissions.CrmModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "crm_site.pagination.CrmPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["crm_site.api.CrmFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "crm_site.renderers.CrmJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "crm_site.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "crm_site.errors.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hotel Guest CRM API",
    "DESCRIPTION": "Guest profiles, stays, loyalty, complaints and segmentation for a hotel chain.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm_site.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.models.ComplaintStatus",
        "ComplaintChannelEnum": "complaints.models.ComplaintChannel",
        "ComplaintCategoryEnum": "complaints.models.ComplaintCategory",
        "ComplaintSeverityEnum": "complaints.models.ComplaintSeverity",
        "StayStatusEnum": "guests.models.Stay.Status",
        "StayChannelEnum": "guests.models.Stay.Channel",
        "AccountLevelEnum": "accounts.models.Level",
        "ContactLevelEnum": "accounts.models.ContactLevel",
    },
}

# --- Credentials: login throttling, API tokens, security headers ---------------------
# Client addresses (logged with every log-in attempt) come from REMOTE_ADDR, or, behind
# N reverse proxies that each append to X-Forwarded-For, from the N-th entry counted from
# the right; what the client wrote itself is never trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# At most LOGIN_FAILURE_LIMIT wrong passwords per ACCOUNT (never per address: one attacker
# must not lock everybody out) reach the password check within LOGIN_LOCKOUT_MINUTES;
# the web log-in, the admin log-in and POST /api/v1/auth/token/ share the count.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_VERBOSE = False  # no banner on every start; lockouts are still logged
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "crm_site.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "crm_site.login_throttle.lockout_response"
# axes.W006 warns that a lock without the address can be dodged by rotating user agents or
# cookies; ours counts per username alone, which no rotation changes, and locking by
# address is exactly what let one attacker behind the proxy lock out every user.
# models.W040 warns (on SQLite only, at every `migrate` of the embedded default) that the
# covering indexes' INCLUDE columns are ignored there: the index keeps its key columns, the
# same statements run, only PostgreSQL's index-only scans are PostgreSQL's.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
# API tokens (django-rest-knox): shown once, stored as a digest, expire after this many
# hours (30 days: an integration renews its token monthly), die with a password change.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=30 * 24)
# Seconds a process keeps a checked token (its user, roles and permissions) before it
# reads them again: a revoked token, a deactivated user or a changed password stop
# working within this time in every process (0: check every request).
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=5)
# The same for a web session's permissions and roles (crm_site.session_perms).
PERMISSION_CACHE_SECONDS = env.int("PERMISSION_CACHE_SECONDS", default=5)
KNOX_TOKEN_MODEL = "tokens.ApiToken"
# knox's own model is swapped out for tokens.ApiToken; its migrations would still create
# an unused table (which breaks flushing the database), so they are not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": dt.timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# No inline script or style anywhere: handlers live in crm/app.js, styles in crm/app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Powerful browser features the CRM never uses are switched off for every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Celery ---------------------------------------------------------------------------
# With no broker configured, tasks run inline (the embedded default and most tests).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_TIMEZONE = TIME_ZONE
# The nightly pipeline (``nightly``: requalify tiers → expire points → segmentation →
# churn scan → care list, each step after the previous one completed) starts at
# NIGHTLY_HOUR:NIGHTLY_MINUTE.  Complaint escalations run every
# COMPLAINT_ESCALATION_INTERVAL seconds, the outbox sweep every minute.  Values are
# validated by crm_site.checks; an invalid hour leaves the entry out, and the checks
# refuse to start.
NIGHTLY_HOUR = env_int("NIGHTLY_HOUR", 2)
NIGHTLY_MINUTE = env_int("NIGHTLY_MINUTE", 0)
COMPLAINT_ESCALATION_INTERVAL = env_int("COMPLAINT_ESCALATION_INTERVAL", 300)
CELERY_BEAT_SCHEDULE = {
    "outbox-deliver-due": {
        "task": "outbox.tasks.deliver_due",
        "schedule": crontab(minute="*"),
    },
}
if isinstance(COMPLAINT_ESCALATION_INTERVAL, int) and COMPLAINT_ESCALATION_INTERVAL > 0:
    CELERY_BEAT_SCHEDULE["complaints-escalate-overdue"] = {
        "task": "complaints.tasks.escalate_overdue",
        "schedule": dt.timedelta(seconds=COMPLAINT_ESCALATION_INTERVAL),
    }
if NIGHTLY_HOUR in range(24) and NIGHTLY_MINUTE in range(60):
    CELERY_BEAT_SCHEDULE["nightly-pipeline"] = {
        "task": "nightly.tasks.start_pipeline",
        "schedule": crontab(hour=NIGHTLY_HOUR, minute=NIGHTLY_MINUTE),
    }

# --- Privacy: stored API answers, retention, consent wording ---------------------------
# A stored answer to an Idempotency-Key write is replayed for this many hours, then a
# retry runs again; the hourly purge deletes the expired ones.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24)
# Guests with no stay and no activity for this many days are anonymised by the daily
# retention task (guests.tasks.retention_anonymise); 0 switches it off (the default).
RETENTION_ANONYMISE_AFTER_DAYS = env_int("RETENTION_ANONYMISE_AFTER_DAYS", 0)
# The version of the consent wording staff and forms show today; every consent entry
# records the version the guest agreed to (or withdrew from).
CONSENT_WORDING_VERSION = env.str("CONSENT_WORDING_VERSION", default="2025-01")
CELERY_BEAT_SCHEDULE["idempotency-purge"] = {
    "task": "crm_site.tasks.purge_idempotency_records",
    "schedule": crontab(minute=17),
}
CELERY_BEAT_SCHEDULE["guests-retention"] = {
    "task": "guests.tasks.retention_anonymise",
    "schedule": crontab(hour=3, minute=40),
}

# --- Mail (escalations, care e-mails) -------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@hotel.example")
# The outbox retries a refused or unreachable mail server with backoff, then gives up.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)

# --- Product settings -----------------------------------------------------------------
# Salt for document-number hashes: never store a passport number in clear text.
DOCUMENT_HASH_SALT = env.str("DOCUMENT_HASH_SALT", default="dev-document-salt")
# Country used to parse phone numbers written without an international prefix.
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="CN")
GUEST_SEARCH_LIMIT = 20
# Reporting currency of the chain.  EXCHANGE_RATES (chain currency per unit) only seeds the
# dated rate table (guests.ExchangeRate, guests.money) after migrate, for currencies with
# no rate yet; stays convert with the table's rate for their date.
CHAIN_CURRENCY = env.str("CHAIN_CURRENCY", default="EUR")
EXCHANGE_RATES = env_rates(
    "EXCHANGE_RATES",
    default={"CNY": 0.13, "USD": 0.92, "GBP": 1.17, "HKD": 0.118, "JPY": 0.0061, "CHF": 1.05},
)

# Key accounts (accounts.selectors.performance / pace): an account is in decline when its
# revenue of the last ACCOUNT_DECLINE_MONTHS full months fell by ACCOUNT_DECLINE_PERCENT or
# more against the same months a year before (from at least ACCOUNT_DECLINE_MIN_REVENUE),
# or when no stay arrived for ACCOUNT_DORMANT_DAYS; an agreement is below pace when its
# room nights trail the commitment's pace by more than AGREEMENT_PACE_TOLERANCE_PERCENT.
ACCOUNT_DECLINE_MONTHS = env.int("ACCOUNT_DECLINE_MONTHS", default=3)
ACCOUNT_DECLINE_PERCENT = env.int("ACCOUNT_DECLINE_PERCENT", default=30)
ACCOUNT_DECLINE_MIN_REVENUE = env.int("ACCOUNT_DECLINE_MIN_REVENUE", default=1000)
ACCOUNT_DORMANT_DAYS = env.int("ACCOUNT_DORMANT_DAYS", default=120)
AGREEMENT_PACE_TOLERANCE_PERCENT = env.int("AGREEMENT_PACE_TOLERANCE_PERCENT", default=10)

# --- Logging ------------------------------------------------------------------------
# One JSON object per line (LOG_FORMAT=text for people at a terminal), in the web
# process and in Celery workers alike, each carrying the request id (X-Request-ID, set
# by django-guid; passed on to the tasks a request queues) and, in a worker, the task.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="json").lower()
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "VALIDATE_GUID": True,  # an id that is not a UUID is replaced, never echoed into logs
    # Tasks carry the id of the request that queued them; workers log through LOGGING.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"},
        "task": {"()": "crm_site.logs.CeleryTaskFilter"},
    },
    "formatters": {
        "json": {"()": "crm_site.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if LOG_FORMAT == "text" else "json",
            "filters": ["request_id", "task"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_guid": {"level": "WARNING"},  # one line per request and task otherwise
    },
}
