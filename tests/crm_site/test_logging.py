"""Structured logs: one JSON object per line with the request id (web) or the task id
(Celery), in the same shape; an API 500 stays JSON."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import uuid

import pytest
from celery import shared_task
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the configured console handler would print, as parsed JSON objects."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)  # the configurator pops keys from what it is given
    configurator = logging.config.DictConfigurator(config)
    filters = [configurator.configure_filter(config["filters"][name]) for name in ("request_id", "task")]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configurator.configure_formatter(config["formatters"]["json"]))
    for log_filter in filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@shared_task(bind=True, name="tests.log_something")
def log_something(self, what: str) -> str:
    logging.getLogger("tests.task").warning("working on %s", what)
    return self.request.id


def test_a_web_request_logs_its_request_id(client, log_lines, monkeypatch):
    from crm_site import health

    def down():
        raise ConnectionError("cache unreachable")

    monkeypatch.setitem(health.COMPONENTS, "cache", down)
    given = uuid.uuid4().hex
    response = client.get("/health/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given
    line = next(entry for entry in log_lines() if entry["logger"] == "crm_site.health")
    assert line["request_id"] == given and line["level"] == "WARNING"
    assert line["message"] == "health: cache is down: ConnectionError: cache unreachable"
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "task_id", "task_name"}


def test_a_task_logs_its_task_id_in_the_same_shape(log_lines):
    task_id = log_something.apply(args=["the care list"]).get()
    line = next(entry for entry in log_lines() if entry["logger"] == "tests.task")
    assert line["task_id"] == task_id and line["task_name"] == "tests.log_something"
    assert line["message"] == "working on the care list"
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "task_id", "task_name"}


def test_an_api_500_is_still_json_and_logged_as_json(chain_admin, log_lines, monkeypatch):
    from nightly import selectors

    def bug():
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "nightly_runs", bug)
    client = Client(raise_request_exception=False)
    client.force_login(chain_admin)
    response = client.get("/api/v1/nightly-runs/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    logged = next(entry for entry in log_lines() if entry["logger"] == "django.request")
    assert logged["level"] == "ERROR" and logged["path"] == "/api/v1/nightly-runs/" and logged["method"] == "GET"
    assert logged["request_id"] == response["X-Request-ID"]
    assert "RuntimeError: a bug" in logged["exc_info"]


def test_every_request_gets_one_access_line(client, chain_admin, log_lines):
    client.force_login(chain_admin)
    response = client.get("/nightly/?q=secret")
    access = [entry for entry in log_lines() if entry["logger"] == "crm_site.requests"]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/nightly/", 200)
    assert line["user_id"] == chain_admin.pk and line["request_id"] == response["X-Request-ID"]
    assert "secret" not in json.dumps(line) and line["duration_ms"] >= 0
