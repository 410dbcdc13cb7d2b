"""The outbox: queue an e-mail inside the business transaction, send it after commit.

* :func:`email_enqueue` writes the row in the caller's transaction and asks Celery to
  deliver it once that transaction commits; if the broker is down the row simply waits
  for the periodic sweep (:func:`emails_deliver_due`).
* :func:`email_deliver` sends one due e-mail under a row lock and marks it sent only
  after the mail server accepted it; a failure is retried with exponential backoff up
  to ``OUTBOX_MAX_ATTEMPTS``, then marked failed (visible to admins, who can retry).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, NotFound
from crm_site.parsing import as_text

from .models import OutboundEmail

logger = logging.getLogger(__name__)

BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)


def _max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _schedule_delivery(email_id: int) -> None:
    from .tasks import deliver_email

    try:
        deliver_email.delay(email_id)
    except Exception:  # broker down: the row is safe, the sweep sends it later
        logger.warning("outbox: could not hand e-mail %s to the broker; the sweep will send it", email_id)


def email_enqueue(
    *,
    kind: str,
    key: str,
    to: str,
    subject: str,
    body: str,
    guest_id: int | None = None,
    consent_purpose: str = "",
) -> OutboundEmail:
    """Queue one e-mail (idempotent by ``key``: queuing the same key again returns the
    first row).  Call inside the transaction of the change that causes the e-mail."""
    subject = " ".join(as_text(subject, field="subject", max_length=500).split())[:200]
    body = as_text(body, field="body", max_length=50_000)
    with transaction.atomic():
        email, created = OutboundEmail.objects.get_or_create(
            key=key[:150],
            defaults={
                "kind": kind,
                "to": to,
                "subject": subject,
                "body": body,
                "guest_ref": guest_id,
                "consent_purpose": consent_purpose,
                "next_attempt_at": timezone.now(),
            },
        )
    if created:
        transaction.on_commit(lambda: _schedule_delivery(email.pk))
    return email


def _still_wanted(email: OutboundEmail) -> bool:
    """A guest who withdrew consent (or was erased) since queuing gets nothing."""
    if not email.consent_purpose or email.guest_ref is None:
        return True
    from guests.selectors import guest_has_consent

    return guest_has_consent(guest_id=email.guest_ref, purpose=email.consent_purpose)


def _send(email: OutboundEmail, connection) -> None:
    message = EmailMessage(subject=email.subject, body=email.body, to=[email.to], connection=connection)
    accepted = message.send(fail_silently=False)
    if accepted != 1:
        raise RuntimeError("the mail server did not accept the message")


def email_deliver(*, email_id: int, now: dt.datetime | None = None, connection=None) -> str:
    """Send one e-mail if it is due; return its status afterwards.  Safe to call twice at
    once (the row lock makes the second a no-op)."""
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if email is None:
            current = OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True).first()
            return current or "missing"
        if not _still_wanted(email):
            email.status = OutboundEmail.Status.CANCELLED
            email.last_error = "consent withdrawn before sending"
            email.save(update_fields=["status", "last_error"])
            return email.status
        email.attempts += 1
        try:
            _send(email, connection or get_connection())
        except Exception as exc:  # the server refused or was unreachable: retry later
            email.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if email.attempts >= _max_attempts():
                email.status = OutboundEmail.Status.FAILED
                logger.error("outbox: e-mail %s failed %d times, giving up", email.pk, email.attempts)
            else:
                email.next_attempt_at = now + backoff(email.attempts)
                logger.warning("outbox: e-mail %s not sent (%s), retry at %s", email.pk, exc, email.next_attempt_at)
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return email.status
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return email.status


def emails_deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The periodic sweep: send every pending e-mail that is due (after a broker or mail
    server outage this is what sends the backlog).  One SMTP connection for the batch."""
    now = now or timezone.now()
    ids = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    if not ids:
        return counts
    connection = get_connection()
    for email_id in ids:
        status = email_deliver(email_id=email_id, now=now, connection=connection)
        counts[status] = counts.get(status, 0) + 1
    return counts


def email_retry(*, email_id: int) -> OutboundEmail:
    """An admin sends a failed e-mail again (attempts start over)."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            raise NotFound(_("E-mail not found."))
        if email.status == OutboundEmail.Status.SENT:
            raise ConflictError(_("This e-mail was already sent."), field="status")
        email.status = OutboundEmail.Status.PENDING
        email.attempts = 0
        email.next_attempt_at = timezone.now()
        email.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: _schedule_delivery(email.pk))
    return email


def emails_erase_for_guests(guest_ids: list[int]) -> None:
    """Erasure: the guest's messages lose address, subject and body; unsent ones are
    cancelled."""
    emails = OutboundEmail.objects.filter(guest_ref__in=guest_ids)
    emails.filter(status=OutboundEmail.Status.PENDING).update(status=OutboundEmail.Status.CANCELLED)
    emails.update(to="erased@invalid", subject="", body="", last_error="", guest_ref=None)
