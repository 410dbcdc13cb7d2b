"""GET /health/: database, cache and broker, JSON, 200 or 503, no login."""

from __future__ import annotations

import uuid

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthy_without_login(client, settings):
    response = client.get("/health/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["cache"]["status"] == "ok"
    assert body["components"]["broker"]["status"] == ("ok" if settings.CELERY_BROKER_URL else "inline")
    assert all(isinstance(c["ms"], float) for c in body["components"].values())
    assert "no-cache" in response["Cache-Control"]


def test_a_database_outage_is_a_503_naming_the_component(client, monkeypatch):
    from crm_site import health

    def refused():
        raise OperationalError("could not connect to server: Connection refused (host db.internal)")

    monkeypatch.setitem(health.COMPONENTS, "database", refused)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["components"]["database"] == {
        "status": "error",
        "ms": body["components"]["database"]["ms"],
        "error": "OperationalError",
    }
    assert "db.internal" not in response.content.decode()  # no host names to the outside
    assert body["components"]["cache"]["status"] == "ok"


def test_a_cache_outage_is_a_503(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN}}
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["components"]["cache"]["status"] == "error"


def test_a_broker_outage_is_a_503(client, settings):
    settings.CELERY_BROKER_URL = DOWN
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["components"]["broker"]["status"] == "error"


def test_only_get(client):
    assert client.post("/health/").status_code == 405


def test_the_request_id_goes_in_and_out(client):
    given = uuid.uuid4().hex
    assert client.get("/health/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    made = client.get("/health/", HTTP_X_REQUEST_ID="not a uuid\nX-Evil: 1")["X-Request-ID"]
    assert made != "not a uuid\nX-Evil: 1" and len(made) == 32 and int(made, 16) >= 0
    assert client.get("/health/")["X-Request-ID"] != client.get("/health/")["X-Request-ID"]


def test_the_health_check_is_exempt_from_the_ssl_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # as production sets it
    client = Client()
    assert client.get("/health/").status_code == 200
    assert client.get("/login/").status_code == 301
