"""A notification's e-mail state lives in its outbox row now (migration 0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_escalation_emails_through_the_outbox")]

    operations = [
        migrations.RemoveIndex(model_name="complaintnotification", name="complaintnotif_emailed_idx"),
        migrations.RemoveField(model_name="complaintnotification", name="emailed_at"),
    ]
