"""The care item's e-mail state lives in the outbox row now (migration 0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("care", "0002_care_emails_through_the_outbox")]

    operations = [
        migrations.RemoveField(model_name="caretask", name="email_sent_at"),
        migrations.AlterField(
            model_name="contactlog",
            name="kind",
            field=models.CharField(
                choices=[
                    ("assigned", "Churn warning assigned"),
                    ("outcome", "Churn warning outcome"),
                    ("care_done", "Care item done"),
                    ("care_email", "Care e-mail"),
                ],
                max_length=12,
                verbose_name="kind",
            ),
        ),
    ]
