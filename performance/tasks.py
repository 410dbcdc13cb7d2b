"""Celery tasks: thin, idempotent, keyed by stay ids."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

# Stays per task: a bulk write of 500 is one task.
STAY_TASK_CHUNK = 500


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def refresh_stay_facts(self, stay_ids: list[int]) -> dict:
    """Rebuild the facts of the dates these stays count on now and counted on before,
    and the journeys of their guests.  Safe to retry and to run twice: both are rebuilt
    from the stays as they are."""
    ids = list(stay_ids)
    return {
        "facts": services.facts_refresh_stays(stay_ids=ids),
        "journeys": services.journeys_refresh_stays(stay_ids=ids),
    }
