"""Structured logs: one JSON object per line, the same shape in web and worker processes.

Every line has ``time``, ``level``, ``logger``, ``message``, the ``request_id`` of the web
request it belongs to (django-guid's ``X-Request-ID``; a task queued by a request keeps
it) and, inside a Celery task, ``task_id`` and ``task_name``.  Extra fields passed to a
log call are kept; Django's ``request`` object becomes its method and path.
"""

from __future__ import annotations

import logging
import time

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

FIELDS = ["asctime", "levelname", "name", "message", "request_id", "task_id", "task_name"]
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class CeleryTaskFilter(logging.Filter):
    """Adds ``task_id`` and ``task_name`` (None outside a task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from celery import current_task

        task = current_task if current_task and getattr(current_task, "request", None) else None
        record.task_id = getattr(task.request, "id", None) if task else None
        record.task_name = task.name if task and record.task_id else None
        return True


class JsonFormatter(_BaseJsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", RENAMED)
        kwargs.setdefault("rename_fields_keep_missing", True)
        super().__init__(FIELDS, *args, **kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        request = log_record.pop("request", None)
        if request is not None and hasattr(request, "method"):
            log_record["method"] = request.method
            log_record["path"] = getattr(request, "path", "")


request_logger = logging.getLogger("crm_site.requests")


class RequestLogMiddleware:
    """One access line per request (method, path, status, duration, user id), carrying
    the request id like every other line of the request.  Query strings are left out:
    they may hold what a guest typed into a search."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": _user_id(request),
            },
        )
        return response


def _user_id(request) -> int | None:
    """The user's id if the request already looked the user up (no extra query)."""
    from django.utils.functional import SimpleLazyObject, empty

    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None
