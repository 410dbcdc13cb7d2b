"""The outbox: written with the business change, sent after commit, never marked sent
before the mail server accepted it, nothing lost while the broker or SMTP is down."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from outbox import services, tasks
from outbox.models import OutboundEmail
from tests.factories import GuestFactory

pytestmark = pytest.mark.django_db


def queue(key="k1", **extra):
    data = {"kind": "test", "key": key, "to": "guest@example.com", "subject": "Hello", "body": "Body"}
    return services.email_enqueue(**(data | extra))


class FlakyBackend:
    """An SMTP connection that refuses the first ``failures`` sends."""

    def __init__(self, failures):
        self.failures = failures
        self.sent = []

    def send_messages(self, messages):
        if self.failures:
            self.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        self.sent.extend(messages)
        return len(messages)


def test_an_email_queued_in_a_transaction_is_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.sent_at and email.attempts == 1
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            queue()
            raise RuntimeError("the business change failed")
    assert not OutboundEmail.objects.exists() and not mail.outbox


def test_the_same_key_is_queued_once():
    first = queue()
    again = queue(subject="Other")
    assert again.pk == first.pk and OutboundEmail.objects.count() == 1


def test_broker_down_keeps_the_email_and_the_sweep_sends_it_once(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING and email.sent_at is None and not mail.outbox
    # The broker is back: the periodic sweep delivers the backlog, and only once.
    assert services.emails_deliver_due() == {"sent": 1}
    assert services.emails_deliver_due() == {}
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and len(mail.outbox) == 1


def test_a_refusing_mail_server_is_retried_with_backoff_and_never_marked_sent():
    email = queue()
    backend = FlakyBackend(failures=2)
    now = timezone.now()
    assert services.email_deliver(email_id=email.pk, now=now, connection=backend) == "pending"
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1 and "connection lost" in email.last_error
    assert email.next_attempt_at == now + dt.timedelta(minutes=1)
    # Not due yet: nothing happens.
    assert services.email_deliver(email_id=email.pk, now=now, connection=backend) == "pending"
    assert email.attempts == OutboundEmail.objects.get(pk=email.pk).attempts
    later = now + dt.timedelta(minutes=1)
    assert services.email_deliver(email_id=email.pk, now=later, connection=backend) == "pending"
    email.refresh_from_db()
    assert email.next_attempt_at == later + dt.timedelta(minutes=2)
    assert services.email_deliver(email_id=email.pk, now=later + dt.timedelta(minutes=2), connection=backend) == "sent"
    assert len(backend.sent) == 1


def test_after_the_last_attempt_the_email_is_failed_and_an_admin_can_retry(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    email = queue()
    backend = FlakyBackend(failures=5)
    now = timezone.now()
    services.email_deliver(email_id=email.pk, now=now, connection=backend)
    assert services.email_deliver(email_id=email.pk, now=now + dt.timedelta(hours=1), connection=backend) == "failed"
    services.email_retry(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == "pending" and email.attempts == 0


def test_consent_withdrawn_before_sending_cancels_the_email():
    guest = GuestFactory(email="g@example.com", marketing_email_consent=True)
    email = queue(guest_id=guest.pk, consent_purpose="marketing_email")
    guest.marketing_email_consent = False
    guest.save()
    assert services.email_deliver(email_id=email.pk) == "cancelled"
    assert not mail.outbox


def test_erasure_scrubs_the_guests_messages():
    guest = GuestFactory(email="g@example.com")
    email = queue(guest_id=guest.pk, to="g@example.com", subject="Dear Ana", body="Dear Ana Marker")
    services.emails_erase_for_guests([guest.pk])
    email.refresh_from_db()
    assert email.status == "cancelled" and "Ana" not in email.subject + email.body and email.to == "erased@invalid"


def test_text_with_nul_bytes_is_refused():
    from crm_site.errors import DomainError

    with pytest.raises(DomainError) as caught:
        queue(body="a\x00b")
    assert caught.value.field == "body"
