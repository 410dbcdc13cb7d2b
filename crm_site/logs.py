"""Structured logs: one JSON object per line, the same shape in web and worker processes.

Every line has ``time``, ``level``, ``logger``, ``message``, the ``request_id`` of the web
request it belongs to (django-guid's ``X-Request-ID``; a task queued by a request keeps
it) and, inside a Celery task, ``task_id`` and ``task_name``.  Extra fields passed to a
log call are kept; Django's ``request`` object becomes its method and path.
"""

from __future__ import annotations

import logging

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
