"""The company list moves to the accounts app: ``Guest.company`` now points at
``accounts.Account`` (accounts 0002 copied every company there under the same id) and
``guests.Company`` goes.  Going back, the accounts are copied into companies first."""

import django.db.models.deletion
from django.db import migrations, models


def copy_accounts_back(apps, schema_editor):
    Company = apps.get_model("guests", "Company")
    Account = apps.get_model("accounts", "Account")
    Company.objects.bulk_create(
        [
            Company(
                id=account.pk,
                # A merged duplicate may share its survivor's name: keep names unique.
                name=account.name if account.merged_into_id is None else f"{account.name} (#{account.pk})"[:200],
                relationship_level=account.relationship_level,
                account_manager_id=account.owner_id,
                rate_code=account.rate_code,
            )
            for account in Account.objects.order_by("pk")
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_accounts_from_companies"),
        ("guests", "0010_stay_exchange_rate_of_existing_stays"),
    ]

    operations = [
        migrations.AlterField(
            model_name="guest",
            name="company",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="guests",
                to="accounts.account",
                verbose_name="company",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, copy_accounts_back),
        migrations.DeleteModel(name="Company"),
    ]
