"""System checks for every setting the apps read: a bad value refuses to start with a
message naming the variable, instead of crashing at import or misbehaving at 3 am.

Django runs them before ``runserver``, ``migrate`` and ``check``; :func:`refuse_to_start`
runs them when gunicorn loads ``crm_site.wsgi`` and when a Celery worker or beat starts.
Production settings (``CRM_REQUIRE_SHARED_SERVICES``) also require a shared cache and a
real broker, so several web processes share login throttling and tasks are never run
inline in a request.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import checks

TAG = "settings"
CURRENCY = re.compile(r"^[A-Z]{3}$")
WORDING_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,19}")

# name: (lowest, highest, what it is) — whole numbers read by the apps.
WHOLE_NUMBERS = {
    "NIGHTLY_HOUR": (0, 23, "the hour the nightly pipeline starts"),
    "NIGHTLY_MINUTE": (0, 59, "the minute the nightly pipeline starts"),
    "COMPLAINT_ESCALATION_INTERVAL": (1, 3600, "seconds between two sweeps for overdue complaints"),
    "OUTBOX_MAX_ATTEMPTS": (1, 100, "attempts to deliver one e-mail"),
    "REQUEST_BODY_MAX_BYTES": (1024, 1024**3, "the largest request body in bytes"),
    "GUEST_SEARCH_LIMIT": (1, 500, "guests returned by one search"),
    "LOYALTY_POINTS_EXPIRY_MONTHS": (1, 240, "months without activity before points expire"),
    "LOYALTY_CLAIM_REPLY_DAYS": (1, 365, "days to answer a missing-points claim"),
    "LOGIN_THROTTLE_WINDOW": (1, 7 * 24 * 3600, "seconds a failed log-in is remembered"),
    "LOGIN_THROTTLE_FAILURES": (1, 1000, "failed log-ins before an account is locked"),
    "API_MAX_JSON_DEPTH": (2, 1000, "the deepest JSON body accepted"),
    "IDEMPOTENCY_TTL_HOURS": (1, 24 * 90, "hours a stored Idempotency-Key answer is replayed"),
    "RETENTION_ANONYMISE_AFTER_DAYS": (
        0,
        100 * 365,
        "days without stay or activity before a guest is anonymised (0: off)",
    ),
}
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
LOCAL_CACHES = ("locmem", "dummy", "filebased")
LOCAL_BROKERS = ("memory", "filesystem", "cache+", "sqla+", "sqlite")


def _error(msg: str, *, hint: str = "", id: str) -> checks.Error:
    return checks.Error(msg, hint=hint or None, id=id)


@checks.register(TAG)
def check_whole_numbers(app_configs=None, **kwargs):
    errors = []
    for name, (low, high, meaning) in WHOLE_NUMBERS.items():
        if not hasattr(settings, name):
            continue  # the app's default applies
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append(
                _error(
                    f"{name} must be a whole number from {low} to {high} ({meaning}), not {value!r}.",
                    hint=f"Set {name} in the environment (or .env) to a value in that range.",
                    id="crm.E001",
                )
            )
    return errors


@checks.register(TAG)
def check_currencies(app_configs=None, **kwargs):
    errors = []
    chain = getattr(settings, "CHAIN_CURRENCY", "EUR")
    if not isinstance(chain, str) or not CURRENCY.match(chain):
        errors.append(
            _error(f"CHAIN_CURRENCY must be a three-letter ISO code such as EUR, not {chain!r}.", id="crm.E002")
        )
    rates = getattr(settings, "EXCHANGE_RATES", {})
    if not isinstance(rates, Mapping):
        return [*errors, _error("EXCHANGE_RATES must map currency codes to rates.", id="crm.E003")]
    hint = "Write EXCHANGE_RATES as CODE=RATE pairs, e.g. CNY=0.13,USD=0.92 (chain currency per unit)."
    for code, rate in rates.items():
        if not isinstance(code, str) or not CURRENCY.match(code):
            errors.append(
                _error(f"EXCHANGE_RATES: {code!r} is not a three-letter currency code.", hint=hint, id="crm.E003")
            )
        elif isinstance(rate, bool) or not isinstance(rate, int | float | Decimal) or not _positive(rate):
            errors.append(
                _error(f"EXCHANGE_RATES[{code}] must be a positive number, not {rate!r}.", hint=hint, id="crm.E003")
            )
    base = getattr(settings, "LOYALTY_BASE_POINTS_PER_UNIT", "10")
    try:
        valid_base = Decimal(str(base)) > 0
    except InvalidOperation:
        valid_base = False
    if not valid_base:
        errors.append(_error(f"LOYALTY_BASE_POINTS_PER_UNIT must be a positive number, not {base!r}.", id="crm.E004"))
    return errors


def _positive(rate) -> bool:
    number = float(rate)
    return math.isfinite(number) and number > 0


@checks.register(TAG)
def check_app_rules(app_configs=None, **kwargs):
    """The apps' own validators for their structured settings."""
    from django.core.exceptions import ImproperlyConfigured

    from analytics.conf import load_parameters
    from complaints.sla import sla_table
    from crm_site.errors import DomainError

    errors = []
    try:
        sla_table()
    except ImproperlyConfigured as exc:
        errors.append(_error(str(exc), hint="See complaints/sla.py for the shape of COMPLAINT_SLA.", id="crm.E005"))
    try:
        load_parameters()
    except DomainError as exc:
        errors.append(
            _error(f"{exc.field}: {exc.message}", hint="See analytics/conf.py for SEGMENTATION.", id="crm.E006")
        )
    return errors


@checks.register(TAG)
def check_misc(app_configs=None, **kwargs):
    import phonenumbers

    errors = []
    region = getattr(settings, "DEFAULT_PHONE_REGION", "CN")
    if region not in phonenumbers.SUPPORTED_REGIONS:
        errors.append(
            _error(f"DEFAULT_PHONE_REGION must be a two-letter region such as CN or PT, not {region!r}.", id="crm.E007")
        )
    auto = getattr(settings, "CARE_AUTO_EMAILS", False)
    if not isinstance(auto, bool):
        errors.append(_error(f"CARE_AUTO_EMAILS must be true or false, not {auto!r}.", id="crm.E008"))
    wording = getattr(settings, "CONSENT_WORDING_VERSION", "")
    if not isinstance(wording, str) or not WORDING_VERSION.fullmatch(wording):
        errors.append(
            _error(
                f"CONSENT_WORDING_VERSION must be 1-20 letters, digits, dots or hyphens, not {wording!r}.",
                hint="Name the version of the consent text in use, e.g. CONSENT_WORDING_VERSION=2025-01.",
                id="crm.E010",
            )
        )
    level = getattr(settings, "LOG_LEVEL", "INFO")
    if level not in LOG_LEVELS:
        errors.append(
            _error(f"LOG_LEVEL must be one of {', '.join(sorted(LOG_LEVELS))}, not {level!r}.", id="crm.E009")
        )
    if getattr(settings, "LOG_FORMAT", "json") not in ("json", "text"):
        errors.append(_error(f"LOG_FORMAT must be json or text, not {settings.LOG_FORMAT!r}.", id="crm.E009"))
    return errors


@checks.register(TAG)
def check_shared_services(app_configs=None, **kwargs):
    """Production: a shared cache and a real broker, or refuse to start."""
    if not getattr(settings, "CRM_REQUIRE_SHARED_SERVICES", False):
        return []
    errors = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if any(local in backend.lower() for local in LOCAL_CACHES):
        errors.append(
            _error(
                f"Production needs a cache shared by every process, not {backend}.",
                hint="Set CACHE_URL, e.g. CACHE_URL=redis://redis:6379/1 (login throttling and health checks use it).",
                id="crm.E020",
            )
        )
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not broker or broker.lower().startswith(LOCAL_BROKERS):
        errors.append(
            _error(
                f"Production needs a message broker shared by the web and the workers, not {broker or 'none'!r}.",
                hint="Set CELERY_BROKER_URL, e.g. CELERY_BROKER_URL=redis://redis:6379/0.",
                id="crm.E021",
            )
        )
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        errors.append(
            _error(
                "Production must not run Celery tasks inline (CELERY_TASK_ALWAYS_EAGER).",
                hint="Unset CELERY_TASK_ALWAYS_EAGER.",
                id="crm.E022",
            )
        )
    return errors


def refuse_to_start(process: str) -> None:
    """Run the settings checks; print every error and exit when there is one.  For the
    processes Django's management commands do not cover (gunicorn, Celery)."""
    errors = [e for e in checks.run_checks(tags=[TAG]) if e.level >= checks.ERROR]
    if not errors:
        return
    lines = [f"{process} refuses to start: {len(errors)} setting(s) are invalid."]
    for error in errors:
        lines.append(f"  {error.id}: {error.msg}" + (f"\n      HINT: {error.hint}" if error.hint else ""))
    sys.stderr.write("\n".join(lines) + "\n")
    raise SystemExit(1)
