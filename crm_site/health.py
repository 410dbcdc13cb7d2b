"""``GET /health/``: is this process able to serve?  No login; used by docker compose
and load balancers.

Checks the database (a query), the cache (a write and a read back) and the broker (a
connection; with tasks run inline there is none to check).  Answers JSON with each
component's status and time, 200 when all are up, 503 otherwise.  Failures are logged
with their cause; the body names only the exception type, never a host or a password.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 3  # seconds


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was written")
    finally:
        cache.delete(key)
    return "ok"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "inline"  # no broker: tasks run in the process that queues them
    from crm_site.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
        conn.default_channel  # noqa: B018 - opening a channel is the real round trip
    return "ok"


COMPONENTS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def health(request):
    components = {}
    for name, probe in COMPONENTS.items():
        started = time.perf_counter()
        try:
            status, error = probe(), None
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            logger.warning("health: %s is down: %s: %s", name, type(exc).__name__, exc)
            status, error = "error", type(exc).__name__
        components[name] = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if error:
            components[name]["error"] = error
    healthy = all(c["status"] != "error" for c in components.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "components": components}, status=200 if healthy else 503
    )
