"""PostgreSQL: pg_trgm and the trigram index behind typo-tolerant search.

(The default preference vocabulary is ensured after every migrate by
guests.vocabulary, so it also survives test-database flushes.)"""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

class Migration(migrations.Migration):
    dependencies = [("guests", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
                "CREATE INDEX IF NOT EXISTS guest_search_trgm_idx ON guests_guest "
                "USING gin (search_document gin_trgm_ops);",
            ],
            reverse_sql=["DROP INDEX IF EXISTS guest_search_trgm_idx;"],
        ),
    ]
