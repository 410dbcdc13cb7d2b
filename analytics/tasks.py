"""Celery tasks: thin wrappers that parse their arguments and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from crm_site.errors import ConflictError, DomainError

from . import services
from .models import SegmentationRun

logger = logging.getLogger(__name__)

LOCK_RETRY_SECONDS = 600


@shared_task(
    bind=True,
    name="analytics.tasks.run_segmentation_nightly",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    acks_late=True,
)
def run_segmentation_nightly(self, as_of: str | None = None) -> dict:
    """The nightly pyramid for ``as_of`` (``YYYY-MM-DD``; default: today).

    Idempotent by date: a retry or a second delivery replaces that date's run.  While
    another run holds the lock, retry later (with the date fixed, so a retry after
    midnight still computes the night it was meant for)."""
    try:
        run = services.segmentation_run(as_of=as_of, trigger=SegmentationRun.Trigger.SCHEDULE)
    except ConflictError as exc:
        fixed = as_of or timezone.localdate().isoformat()
        logger.info("segmentation for %s postponed: %s", fixed, exc)
        raise self.retry(kwargs={"as_of": fixed}, countdown=LOCK_RETRY_SECONDS, exc=exc) from exc
    except DomainError as exc:
        # Nothing to segment yet, or a misconfiguration: retrying would not help.
        logger.warning("segmentation for %s skipped: %s (%s)", as_of or "today", exc, exc.field)
        return {"status": "skipped", "field": exc.field, "reason": str(exc)}
    return {
        "status": run.status,
        "run": run.pk,
        "as_of": run.as_of.isoformat(),
        "guests": run.guest_count,
        "active": run.active_count,
        "segments": run.segment_counts,
        "duration_ms": run.duration_ms,
    }
