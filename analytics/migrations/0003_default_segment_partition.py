"""A DEFAULT partition for GuestSegment rows written one by one through the ORM (factories,
admin fixes, other apps' tests).  Nightly runs still write and attach their own partition;
rows of a run in the default partition are removed with the run."""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_partition_guest_segments")]

    operations = [
        PostgresOnlySQL(
            "CREATE TABLE analytics_guestsegment_default PARTITION OF analytics_guestsegment DEFAULT;",
            "DROP TABLE IF EXISTS analytics_guestsegment_default;",
        )
    ]
