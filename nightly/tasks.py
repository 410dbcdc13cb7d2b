"""Celery tasks of the nightly pipeline: thin, keyed by the as-of date and the run.

Beat starts :func:`start_pipeline` once a night (``NIGHTLY_HOUR``); it records the run
and queues the chain of :func:`run_step` tasks, one per step, each started only when the
one before it returned.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from crm_site.errors import ConflictError

from . import services
from .models import NightlyRun, NightlyStep

logger = logging.getLogger(__name__)

# A step that cannot start yet (the pipeline lock or its own job is busy) tries again
# every WAIT_SECONDS, for up to WAIT_RETRIES times, then is recorded failed.
WAIT_SECONDS = 120
WAIT_RETRIES = 60


class StepFailed(Exception):
    """Raised by a step task whose step failed, so the chain stops there."""


@shared_task(
    bind=True,
    name="nightly.tasks.start_pipeline",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    acks_late=True,
)
def start_pipeline(self, as_of: str | None = None) -> dict:
    """The night's pipeline for ``as_of`` (``YYYY-MM-DD``; default today).

    Idempotent by date: a second delivery finds the date's run in flight or completed
    and queues nothing; a failed run for the date is replaced."""
    try:
        run = services.nightly_run_request(as_of=as_of, trigger=NightlyRun.Trigger.SCHEDULE, replace=False)
    except ConflictError as exc:
        logger.info("nightly pipeline for %s not started: %s", as_of or "today", exc)
        return {"status": "in_progress", "as_of": as_of}
    if run.status == NightlyRun.Status.QUEUED:
        services.nightly_run_dispatch(run=run)
    return {"run": run.pk, "as_of": run.as_of.isoformat(), "status": run.status}


@shared_task(
    bind=True,
    name="nightly.tasks.run_step",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def run_step(self, run_id: int, step: str) -> dict:
    """One step of one run (see ``nightly.services.nightly_step_execute``)."""
    try:
        done = services.nightly_step_execute(run_id=run_id, step=step)
    except services.StepNotReady as exc:
        if self.request.is_eager or self.request.retries >= WAIT_RETRIES:
            services.nightly_step_abandon(run_id=run_id, step=step, reason=str(exc))
            raise StepFailed(f"nightly run {run_id}: {step} could not start: {exc}") from exc
        logger.info("nightly run %s: %s waits: %s", run_id, step, exc)
        raise self.retry(exc=exc, countdown=WAIT_SECONDS, max_retries=WAIT_RETRIES) from exc
    if done is None:
        return {"run": run_id, "step": step, "status": "gone"}
    if done.status == NightlyStep.Status.FAILED:
        raise StepFailed(f"nightly run {run_id}: {step} failed: {done.error}")
    return {"run": run_id, "step": step, "status": done.status, "counts": done.counts}
