"""PostgreSQL: a trigram index behind typo-tolerant account search (pg_trgm is installed
by guests 0002).  SQLite skips it; accounts.selectors falls back to substrings there."""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_accounts_from_companies"), ("guests", "0002_trigram_search_and_vocabulary")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE INDEX IF NOT EXISTS account_search_trgm_idx ON accounts_account "
                "USING gin (search_document gin_trgm_ops);",
            ],
            reverse_sql=["DROP INDEX IF EXISTS account_search_trgm_idx;"],
        ),
    ]
