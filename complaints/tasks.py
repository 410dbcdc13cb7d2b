"""Periodic complaint work.  Thin: each task calls services and is safe to rerun."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from crm_site.parsing import as_datetime

from . import services


@shared_task(
    bind=True,
    name="complaints.tasks.escalate_overdue",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=240,
    time_limit=280,
)
def escalate_overdue(self, as_of: str | None = None) -> dict:
    """Every 5 minutes (beat): escalate complaints whose deadline passed to the property's
    duty managers (their e-mails are queued in the outbox with the escalation and sent by
    it), and post compensation recorded while the loyalty ledger was unavailable.
    Idempotent: one escalation per complaint per missed deadline, one e-mail each."""
    now = as_datetime(as_of, field="as_of") or timezone.now()
    counts = services.complaints_escalate_overdue(now=now)
    return {**counts, "compensations_posted": services.compensations_post_pending()}
