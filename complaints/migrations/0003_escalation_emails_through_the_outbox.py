"""Escalation e-mails go through the outbox (``outbox.OutboundEmail``).

Each notification gets an outbox row: the ones already e-mailed are recorded as sent at
their ``emailed_at``; the ones still waiting (the old task would have sent them on its
next run) are queued, so nothing is lost in the switch.  The old column goes in the next
migration (its own transaction: PostgreSQL refuses to alter a table with pending
deferred foreign-key checks).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

KINDS = {"first_response": "First response overdue", "resolution": "Resolution overdue"}
SENT_NOTE = "E-mailed before escalation e-mails went through the outbox; the text was not kept."


def _message(notification):
    escalation = notification.escalation
    complaint = escalation.complaint
    what = KINDS.get(escalation.kind, escalation.kind)
    subject = f"[Overdue] Complaint #{complaint.pk} at {complaint.property.code}: {what}"
    body = "\n".join(
        [
            f"Complaint #{complaint.pk} is overdue and escalated to you as duty manager.",
            "",
            f"Property: {complaint.property.name}",
            f"Deadline missed: {timezone.localtime(escalation.deadline):%Y-%m-%d %H:%M %Z}",
            "",
            complaint.description[:500],
        ]
    )
    return subject, body


def to_outbox(apps, schema_editor):
    Notification = apps.get_model("complaints", "ComplaintNotification")
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    rows = (
        Notification.objects.filter(email__isnull=True)
        .exclude(emailed_at__isnull=True, recipient__email="")
        .select_related("recipient", "escalation__complaint__property")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    now = timezone.now()
    for notification in rows:
        subject, body = _message(notification)
        sent = notification.emailed_at
        email, _created = OutboundEmail.objects.get_or_create(
            key=f"complaint-escalation-{notification.escalation_id}-{notification.recipient_id}",
            defaults={
                "kind": "complaint_escalation",
                "to": notification.recipient.email or "unknown@invalid",
                "subject": subject[:200],
                "body": SENT_NOTE if sent else body,
                "guest_ref": notification.escalation.complaint.guest_id,
                "status": "sent" if sent else "pending",
                "attempts": 1 if sent else 0,
                "next_attempt_at": sent or now,
                "sent_at": sent,
            },
        )
        Notification.objects.filter(pk=notification.pk).update(email=email)


def from_outbox(apps, schema_editor):
    Notification = apps.get_model("complaints", "ComplaintNotification")
    for notification in Notification.objects.filter(email__status="sent").select_related("email"):
        Notification.objects.filter(pk=notification.pk).update(emailed_at=notification.email.sent_at)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_workflow_guards"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaintnotification",
            name="email",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="outbox.outboundemail",
                verbose_name="e-mail",
            ),
        ),
        migrations.RunPython(to_outbox, from_outbox),
    ]
