"""crm_site.checks: every app setting is validated at start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from crm_site.checks import TAG

ROOT = Path(__file__).resolve().parents[2]


def errors() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in checks.run_checks(tags=[TAG]):
        found.setdefault(error.id, []).append(error.msg)
    return found


def test_the_default_settings_pass():
    assert errors() == {}


@pytest.mark.parametrize("hour", [0, 23])
def test_every_hour_of_the_day_is_accepted(settings, hour):
    settings.NIGHTLY_HOUR = hour
    assert errors() == {}


@pytest.mark.parametrize(
    "name, value",
    [
        ("NIGHTLY_HOUR", 24),
        ("NIGHTLY_HOUR", -1),
        ("NIGHTLY_HOUR", "2am"),
        ("NIGHTLY_MINUTE", 60),
        ("COMPLAINT_ESCALATION_INTERVAL", 0),
        ("OUTBOX_MAX_ATTEMPTS", 0),
        ("OUTBOX_MAX_ATTEMPTS", True),
        ("REQUEST_BODY_MAX_BYTES", 10),
        ("LOYALTY_POINTS_EXPIRY_MONTHS", "24"),
    ],
)
def test_a_bad_whole_number_is_refused_naming_it(settings, name, value):
    setattr(settings, name, value)
    found = errors()
    assert list(found) == ["crm.E001"]
    assert found["crm.E001"][0].startswith(f"{name} must be a whole number from ")
    assert repr(value) in found["crm.E001"][0]


@pytest.mark.parametrize(
    "rates, fragment",
    [
        ({"CNY": "abc"}, "EXCHANGE_RATES[CNY] must be a positive number, not 'abc'"),
        ({"CNY": -0.13}, "EXCHANGE_RATES[CNY] must be a positive number, not -0.13"),
        ({"CNY": 0}, "EXCHANGE_RATES[CNY] must be a positive number"),
        ({"CNY": float("inf")}, "EXCHANGE_RATES[CNY] must be a positive number"),
        ({"CNY": None}, "EXCHANGE_RATES[CNY] must be a positive number, not None"),
        ({"yuan": 0.13}, "'yuan' is not a three-letter currency code"),
        ([0.13], "EXCHANGE_RATES must map currency codes to rates"),
    ],
)
def test_malformed_exchange_rates_are_refused(settings, rates, fragment):
    settings.EXCHANGE_RATES = rates
    found = errors()
    assert list(found) == ["crm.E003"] and fragment in found["crm.E003"][0]


def test_the_chain_currency_and_the_base_points_are_checked(settings):
    settings.CHAIN_CURRENCY = "euro"
    settings.LOYALTY_BASE_POINTS_PER_UNIT = "-1"
    found = errors()
    assert "CHAIN_CURRENCY must be a three-letter ISO code" in found["crm.E002"][0]
    assert "LOYALTY_BASE_POINTS_PER_UNIT must be a positive number" in found["crm.E004"][0]


@pytest.mark.parametrize(
    "sla, fragment",
    [
        ({"urgent": {"resolution": 2}}, "unknown severities"),
        ({"critical": {"resolution": -4}}, "must be positive"),
        ({"critical": {"first_response": "soon"}}, "must be hours"),
        ({"critical": {"first_response": 8, "resolution": 4}}, "first response must not come after resolution"),
    ],
)
def test_complaint_slas_are_checked(settings, sla, fragment):
    settings.COMPLAINT_SLA = sla
    found = errors()
    assert list(found) == ["crm.E005"] and fragment in found["crm.E005"][0]


@pytest.mark.parametrize(
    "segmentation, fragment",
    [
        ({"cuts": {"vip": 1, "major": 4, "ordinary": 15, "small": 70}}, "SEGMENTATION.cuts: The cuts must add up"),
        ({"window_months": 0}, "SEGMENTATION.window_months"),
    ],
)
def test_analytics_cuts_and_window_are_checked(settings, segmentation, fragment):
    settings.SEGMENTATION = segmentation
    found = errors()
    assert list(found) == ["crm.E006"] and fragment in found["crm.E006"][0]


def test_region_log_level_and_care_flag_are_checked(settings):
    settings.DEFAULT_PHONE_REGION = "China"
    settings.CARE_AUTO_EMAILS = "yes"
    settings.LOG_LEVEL = "LOUD"
    found = errors()
    assert set(found) == {"crm.E007", "crm.E008", "crm.E009"}


def test_production_requires_a_shared_cache_and_a_broker(settings):
    settings.CRM_REQUIRE_SHARED_SERVICES = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    found = errors()
    assert set(found) == {"crm.E020", "crm.E021", "crm.E022"}
    settings.CELERY_BROKER_URL = "filesystem://localhost//"
    assert "crm.E021" in errors()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r"}}
    settings.CELERY_BROKER_URL = "redis://redis:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert errors() == {}


# --- real start-ups ----------------------------------------------------------------------


def _start(command: list[str], **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "CACHE_URL", "DJANGO_"))}
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.test")
    env.update(env_vars)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_nightly_hour_23_starts_and_a_bad_hour_refuses_with_a_message():
    assert _start([sys.executable, "manage.py", "check"], NIGHTLY_HOUR="23").returncode == 0
    bad = _start([sys.executable, "manage.py", "check"], NIGHTLY_HOUR="24", EXCHANGE_RATES="CNY=abc,USD=0.92")
    assert bad.returncode != 0
    assert "NIGHTLY_HOUR must be a whole number from 0 to 23" in bad.stderr
    assert "EXCHANGE_RATES[CNY] must be a positive number, not 'abc'" in bad.stderr
    assert "Traceback" not in bad.stderr


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "crm_site.settings.production",
    "SECRET_KEY": "x" * 20 + "a-long-and-random-production-secret-key-value",
    "ALLOWED_HOSTS": "crm.example.com",
    "DOCUMENT_HASH_SALT": "salt",
}


def test_production_refuses_to_start_without_cache_and_broker():
    result = _start([sys.executable, "manage.py", "check", "--deploy"], **PRODUCTION)
    assert result.returncode != 0
    assert "Set CACHE_URL" in result.stderr and "Set CELERY_BROKER_URL" in result.stderr
    web = _start([sys.executable, "-c", "import crm_site.wsgi"], **PRODUCTION)  # what gunicorn loads
    assert web.returncode != 0 and "The web server refuses to start" in web.stderr


def test_production_with_cache_and_broker_passes_check_deploy():
    result = _start(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
        CACHE_URL="redis://127.0.0.1:6379/1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
