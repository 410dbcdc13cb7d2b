"""Production: secrets have no default, cookies and headers are locked down.

``manage.py check --deploy --settings=crm_site.settings.production`` must stay clean.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without one
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DOCUMENT_HASH_SALT = env.str("DOCUMENT_HASH_SALT")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# The load balancer's and docker compose's health checks speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# Several web processes and workers: login throttling needs a cache they share
# (CACHE_URL=redis://...), and tasks a real broker (CELERY_BROKER_URL).  Checked at
# start-up by crm_site.checks, which refuses to start without them.
CRM_REQUIRE_SHARED_SERVICES = True
