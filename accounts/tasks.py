"""Celery tasks of the key-account app: thin, keyed by date, idempotent.

``expire_agreements`` marks sent or signed agreements whose validity ended before the
given day as expired; a rerun for the same day finds nothing left.  (Scheduling it —
nightly, e.g. as a step of ``nightly`` — is left to the pipeline's owner.)
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from crm_site import parsing

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.tasks.expire_agreements",
    bind=True,
    autoretry_for=(DatabaseError, ConnectionError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=10 * 60,
)
def expire_agreements(self, as_of: str | None = None) -> int:
    day = parsing.as_of_date(as_of, field="as_of")
    count = services.agreements_expire(as_of=day)
    logger.info("agreements expired as of %s: %d", day, count)
    return count
