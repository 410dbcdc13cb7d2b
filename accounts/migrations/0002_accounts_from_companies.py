"""Grow the old company list (``guests.Company``) into accounts.

Every company becomes an account with the same id (so ``Guest.company`` keeps pointing
at the right row when guests 0006 re-points the foreign key), its name's search keys,
its account manager as owner, its free-text rate code, and a first entry in the
relationship-level history.  Going back, guests 0006 copies the accounts into companies.
"""

from django.core.management.color import no_style
from django.db import migrations

from guests import search_keys

REASON = "Level carried over from the company list."


def copy_companies(apps, schema_editor):
    Company = apps.get_model("guests", "Company")
    Account = apps.get_model("accounts", "Account")
    LevelChange = apps.get_model("accounts", "LevelChange")
    companies = list(Company.objects.order_by("pk"))
    if not companies:
        return
    accounts = []
    for company in companies:
        keys = search_keys.name_keys(
            family_name=company.name, given_name="", family_name_latin="", given_name_latin=""
        )
        accounts.append(
            Account(
                id=company.pk,
                name=company.name,
                relationship_level=company.relationship_level,
                owner_id=company.account_manager_id,
                rate_code=company.rate_code,
                **keys,
            )
        )
    Account.objects.bulk_create(accounts, batch_size=500)
    for company in companies:  # auto_now_add stamped today; keep when the company was entered
        Account.objects.filter(pk=company.pk).update(created_at=company.created_at)
    LevelChange.objects.bulk_create(
        [
            LevelChange(
                account_id=company.pk,
                from_level="",
                to_level=company.relationship_level,
                reason=REASON,
                effective_on=company.created_at.date(),
            )
            for company in companies
        ],
        batch_size=500,
    )
    connection = schema_editor.connection
    for statement in connection.ops.sequence_reset_sql(no_style(), [Account]):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("guests", "0005_search_performance"),
    ]

    operations = [migrations.RunPython(copy_companies, migrations.RunPython.noop)]
