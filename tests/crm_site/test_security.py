"""Login throttling, production settings and the error contract."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from crm_site import auth_views
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_login_locks_after_repeated_failures(client):
    user = UserFactory(username="ana")
    for _ in range(auth_views.MAX_FAILURES):
        response = client.post("/login/", {"username": "ana", "password": "wrong"})
        assert response.status_code == 200
    # Even the right password is refused while the lock holds.
    response = client.post("/login/", {"username": "ana", "password": "pass12345!"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()
    response = client.post("/login/", {"username": user.username, "password": "pass12345!"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_successful_login_resets_failures(client):
    UserFactory(username="rui")
    for _ in range(auth_views.MAX_FAILURES - 1):
        client.post("/login/", {"username": "rui", "password": "wrong"})
    assert client.post("/login/", {"username": "rui", "password": "pass12345!"}).status_code == 302
    client.logout()
    client.post("/login/", {"username": "rui", "password": "wrong"})
    assert client.post("/login/", {"username": "rui", "password": "pass12345!"}).status_code == 302


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm_site.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-and-random-production-secret-key-value",
        "ALLOWED_HOSTS": "crm.example.com",
        "DOCUMENT_HASH_SALT": "salt",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
