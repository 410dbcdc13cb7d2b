"""Outbox delivery: one e-mail after its transaction commits, and a periodic sweep."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(
    bind=True,
    name="outbox.tasks.deliver_email",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def deliver_email(self, email_id: int) -> str:
    """Send one queued e-mail (a failed send is rescheduled in the row, not here)."""
    return services.email_deliver(email_id=email_id)


@shared_task(
    bind=True,
    name="outbox.tasks.deliver_due",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=240,
    time_limit=280,
)
def deliver_due(self) -> dict:
    """Every minute (beat): send what is due, including what the broker never got."""
    return services.emails_deliver_due()
