"""Periodic privacy work of the guests app (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(
    bind=True,
    name="guests.tasks.retention_anonymise",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=1500,
    time_limit=1800,
)
def retention_anonymise(self, as_of: str | None = None) -> dict:
    """Daily (beat): anonymise guests without stay or activity for
    ``RETENTION_ANONYMISE_AFTER_DAYS`` (nothing when it is 0, the default).  Idempotent:
    a rerun for the same day finds no one left to anonymise."""
    return services.guests_retention_anonymise(as_of=as_of)
