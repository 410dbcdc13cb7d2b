"""The data migrations that move the old e-mail bookkeeping into the outbox lose nothing:
an escalation e-mail already sent is recorded as sent, one still waiting is queued; a
care item marked e-mailed points at a sent outbox row."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import GuestFactory, PropertyFactory, UserFactory

BEFORE = [("complaints", "0002_workflow_guards"), ("care", "0001_initial")]
AFTER = [("complaints", "0004_remove_complaintnotification_emailed_at"), ("care", "0003_remove_caretask_email_sent_at")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_email_state_moves_into_the_outbox():
    hotel = PropertyFactory()
    guest = GuestFactory(email="ana@example.com")
    manager = UserFactory(username="duty", email="duty@hotel.example")
    silent = UserFactory(username="silent", email="")
    now = timezone.now()
    old = _migrate(BEFORE)
    try:
        Complaint = old.get_model("complaints", "Complaint")
        complaint = Complaint.objects.create(
            property_id=hotel.pk,
            guest_id=guest.pk,
            category="facilities",
            description="Noisy air conditioning",
            status="received",
            received_at=now - dt.timedelta(hours=5),
            first_response_due=now - dt.timedelta(hours=4),
            resolution_due=now - dt.timedelta(hours=1),
        )
        escalation = old.get_model("complaints", "ComplaintEscalation").objects.create(
            complaint_id=complaint.pk, kind="first_response", deadline=complaint.first_response_due, escalated_at=now
        )
        Notification = old.get_model("complaints", "ComplaintNotification")
        sent_at = now - dt.timedelta(minutes=30)
        sent = Notification.objects.create(
            escalation_id=escalation.pk, recipient_id=manager.pk, created_at=now, emailed_at=sent_at
        )
        other = UserFactory(username="duty2", email="duty2@hotel.example")
        waiting = Notification.objects.create(escalation_id=escalation.pk, recipient_id=other.pk, created_at=now)
        no_address = Notification.objects.create(escalation_id=escalation.pk, recipient_id=silent.pk, created_at=now)
        task = old.get_model("care", "CareTask").objects.create(
            guest_id=guest.pk, kind="birthday", due_date=now.date(), built_on=now.date(), email_sent_at=sent_at
        )
        quiet_task = old.get_model("care", "CareTask").objects.create(
            guest_id=guest.pk, kind="post_stay", due_date=now.date(), built_on=now.date()
        )
    finally:
        new = _migrate(AFTER)
    Notification = new.get_model("complaints", "ComplaintNotification")
    OutboundEmail = new.get_model("outbox", "OutboundEmail")
    CareTask = new.get_model("care", "CareTask")

    email = Notification.objects.get(pk=sent.pk).email
    assert (email.status, email.sent_at, email.to) == ("sent", sent_at, "duty@hotel.example")
    queued = Notification.objects.get(pk=waiting.pk).email
    assert (queued.status, queued.sent_at, queued.to) == ("pending", None, "duty2@hotel.example")
    assert f"#{complaint.pk}" in queued.subject and "Noisy air conditioning" in queued.body
    assert queued.guest_ref == guest.pk
    assert Notification.objects.get(pk=no_address.pk).email is None

    care_email = CareTask.objects.get(pk=task.pk).email
    assert (care_email.status, care_email.sent_at, care_email.kind) == ("sent", sent_at, "care_email")
    assert (care_email.guest_ref, care_email.consent_purpose) == (guest.pk, "marketing_email")
    assert CareTask.objects.get(pk=quiet_task.pk).email is None
    assert OutboundEmail.objects.count() == 3
