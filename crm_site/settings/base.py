"""Settings shared by every environment.

Every value that differs between machines comes from the environment through one typed
reader (django-environ), which rejects malformed values at start-up instead of at the
first request.  The embedded default (no DATABASE_URL, no CELERY_BROKER_URL) is a SQLite
file under ``var/`` with Celery tasks run inline, so a newcomer needs no services.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "crm_site",
    "crm_site.tokens",
    "outbox",
    "guests",
    "loyalty",
    "complaints",
    "analytics",
    "care",
]

MIDDLEWARE = [
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
    "crm_site.auth_middleware.SessionAccountMiddleware",
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
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "crm_site.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "crm_site.login_throttle.lockout_response"
# axes.W006 warns that a lock without the address can be dodged by rotating user agents or
# cookies; ours counts per username alone, which no rotation changes, and locking by
# address is exactly what let one attacker behind the proxy lock out every user.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# API tokens (django-rest-knox): shown once, stored as a digest, expire after this many
# hours (30 days: an integration renews its token monthly), die with a password change.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=30 * 24)
KNOX_TOKEN_MODEL = "tokens.ApiToken"
# knox's own model is swapped out for tokens.ApiToken; its migrations would still create
# an unused table (which breaks flushing the database), so they are not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
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
NIGHTLY_HOUR = env.int("NIGHTLY_HOUR", default=2)
CELERY_BEAT_SCHEDULE = {
    "loyalty-requalify-tiers": {
        "task": "loyalty.tasks.requalify_tiers",
        "schedule": crontab(hour=NIGHTLY_HOUR, minute=0),
    },
    "loyalty-expire-points": {
        "task": "loyalty.tasks.expire_points",
        "schedule": crontab(hour=NIGHTLY_HOUR, minute=10),
    },
    "outbox-deliver-due": {
        "task": "outbox.tasks.deliver_due",
        "schedule": crontab(minute="*"),
    },
    "complaints-escalate-overdue": {
        "task": "complaints.tasks.escalate_overdue",
        "schedule": crontab(minute="*/5"),
    },
    "analytics-run-segmentation": {
        "task": "analytics.tasks.run_segmentation_nightly",
        "schedule": crontab(hour=NIGHTLY_HOUR, minute=30),
    },
    "care-scan-churn": {
        "task": "care.tasks.scan_churn_nightly",
        "schedule": crontab(hour=NIGHTLY_HOUR + 1, minute=0),
    },
    "care-build-care-list": {
        "task": "care.tasks.build_care_list_daily",
        "schedule": crontab(hour=NIGHTLY_HOUR + 1, minute=30),
    },
}

# --- Mail (escalations, care e-mails) -------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@hotel.example")
# The outbox retries a refused or unreachable mail server with backoff, then gives up.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)

# --- Product settings -----------------------------------------------------------------
# Salt for document-number hashes: never store a passport number in clear text.
DOCUMENT_HASH_SALT = env.str("DOCUMENT_HASH_SALT", default="dev-document-salt")
# Country used to parse phone numbers written without an international prefix.
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="CN")
GUEST_SEARCH_LIMIT = 20
# Reporting currency of the chain and conversion rates (chain currency per unit) used to
# compute Stay.total_revenue; a stay billed in a currency without a rate is refused.
CHAIN_CURRENCY = env.str("CHAIN_CURRENCY", default="EUR")
EXCHANGE_RATES = env.dict(
    "EXCHANGE_RATES",
    cast={"value": float},
    default={"CNY": 0.13, "USD": 0.92, "GBP": 1.17, "HKD": 0.118, "JPY": 0.0061, "CHF": 1.05},
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
