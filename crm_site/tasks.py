"""Housekeeping of the shared pieces (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from .idempotency import idempotency_records_purge


@shared_task(
    bind=True,
    name="crm_site.tasks.purge_idempotency_records",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def purge_idempotency_records(self) -> int:
    """Every hour (beat): delete stored answers older than ``IDEMPOTENCY_TTL_HOURS``.
    Idempotent: a rerun deletes nothing more."""
    return idempotency_records_purge()
