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
    """Move the facts by what these stays (and their guests' other stays) count for now
    minus what they counted for before, and rebuild their guests' journeys.  Safe to
    retry and to run twice: a second run finds nothing left to move."""
    ids = list(stay_ids)
    return {
        "facts": services.facts_refresh_stays(stay_ids=ids),
        "journeys": services.journeys_refresh_stays(stay_ids=ids),
    }
