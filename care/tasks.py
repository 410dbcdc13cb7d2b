"""Celery tasks: thin wrappers keyed by date (or item) that call one service.

Rerunning a task for the same date is harmless: the scan refreshes that day's warnings
and the care list adds only what is missing.  Care e-mails are sent by the outbox
(``outbox.tasks``), not here.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from . import services

logger = logging.getLogger(__name__)

RETRY = {
    "bind": True,
    "autoretry_for": (DatabaseError, ConnectionError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="care.tasks.scan_churn_nightly", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def scan_churn_nightly(self, as_of: str | None = None) -> dict:
    """The nightly churn scan (beat: after the segmentation run)."""
    counts = services.churn_scan(as_of=as_of)
    logger.info("churn scan %s: %s", counts["as_of"], counts)
    return counts


@shared_task(name="care.tasks.build_care_list_daily", soft_time_limit=10 * 60, time_limit=15 * 60, **RETRY)
def build_care_list_daily(self, day: str | None = None) -> dict:
    """Today's care list (beat: after the churn scan, whose lapsed guests it uses)."""
    result = services.care_list_build(day=day)
    logger.info("care list %s: %s", result["day"], result)
    return result
