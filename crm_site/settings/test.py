"""Test run: the database comes from DATABASE_URL (PostgreSQL in CI), SQLite otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests call tasks directly or through eager .delay(); the broker is only pinged by the
# Redis smoke test.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DOCUMENT_HASH_SALT = env.str("DOCUMENT_HASH_SALT", default="test-salt")

# Off by default: a per-process permission cache would make a test's query count depend
# on the test before it.  tests/crm_site/test_session_perms.py and the query-count
# baselines (tests/test_query_counts.py) turn it on; the bench keeps production's 5 s.
PERMISSION_CACHE_SECONDS = env.int("PERMISSION_CACHE_SECONDS", default=0)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
