"""Periodic complaint work.  Thin: each task calls services and is safe to rerun."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

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
    duty managers, e-mail them, and post compensation recorded while the loyalty ledger
    was unavailable.  Idempotent: one escalation per complaint per missed deadline, each
    notification e-mailed once."""
    now = dt.datetime.fromisoformat(as_of) if as_of else timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    escalations = services.complaints_escalate_overdue(now=now)
    emails = services.escalation_emails_send_pending()
    compensations = services.compensations_post_pending()
    return {"escalated": len(escalations), "emails": emails, "compensations_posted": compensations}
