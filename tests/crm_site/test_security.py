"""Production settings: ``check --deploy`` is clean, secrets have no default."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "crm_site.settings.production",
    "SECRET_KEY": "x" * 20 + "a-long-and-random-production-secret-key-value",
    "ALLOWED_HOSTS": "crm.example.com",
    "DOCUMENT_HASH_SALT": "salt",
    # Production refuses to start without a shared cache and a real broker.
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def check_deploy(**extra_env):
    # The browser fixture allows async-unsafe calls in this process; a deployment never does.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    """Every check (security, axes, CSP, credentials), warnings included."""
    result = check_deploy(TRUSTED_PROXY_COUNT="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_bad_credential_settings():
    result = check_deploy(API_TOKEN_TTL_HOURS="0", LOGIN_FAILURE_LIMIT="0")
    assert result.returncode != 0
    assert "API_TOKEN_TTL_HOURS must be at least 1" in result.stderr
    assert "LOGIN_FAILURE_LIMIT must be at least 1" in result.stderr


def test_production_settings_refuse_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "crm_site.settings.production", "ALLOWED_HOSTS": "x", "DOCUMENT_HASH_SALT": "s"}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
