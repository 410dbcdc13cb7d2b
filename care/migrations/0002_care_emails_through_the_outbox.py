"""Care e-mails go through the outbox (``outbox.OutboundEmail``).

Before, a care item was marked ``email_sent_at`` when its e-mail was handed to Celery,
before any mail server had seen it.  Each such item now points at an outbox row; as
nothing more is known about those e-mails, the row records them as the old code did
(sent at ``email_sent_at``) and says so in its body.  The old column goes in the next migration (its own transaction:
PostgreSQL refuses to alter a table with pending deferred foreign-key checks).
"""

import django.db.models.deletion
from django.db import migrations, models

NOTE = "Recorded as sent by the care list before e-mails went through the outbox; the text was not kept."


def to_outbox(apps, schema_editor):
    CareTask = apps.get_model("care", "CareTask")
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    rows = (
        CareTask.objects.filter(email_sent_at__isnull=False, email__isnull=True)
        .select_related("guest")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    for task in rows:
        email, _created = OutboundEmail.objects.get_or_create(
            key=f"care-task-{task.pk}",
            defaults={
                "kind": "care_email",
                "to": task.guest.email or "erased@invalid",
                "subject": f"{task.kind} {task.due_date:%Y-%m-%d}",
                "body": NOTE,
                "guest_ref": task.guest_id,
                "consent_purpose": "marketing_email",
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": task.email_sent_at,
                "sent_at": task.email_sent_at,
            },
        )
        CareTask.objects.filter(pk=task.pk).update(email=email)


def from_outbox(apps, schema_editor):
    CareTask = apps.get_model("care", "CareTask")
    for task in CareTask.objects.filter(email__isnull=False).select_related("email").iterator(chunk_size=2000):
        sent = task.email.sent_at or task.email.created_at
        CareTask.objects.filter(pk=task.pk).update(email_sent_at=sent)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0001_initial"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="caretask",
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
