"""Seed the launch tiers (Member, Silver, Gold, Platinum; admins change them later) and,
on PostgreSQL, make the points ledger append-only in the database itself."""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL


def seed_tiers(apps, schema_editor):
    from loyalty.defaults import seed_default_tiers

    seed_default_tiers(apps.get_model("loyalty", "Tier"))


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'loyalty_pointstransaction is append-only: post a compensating transaction instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_pointstransaction_append_only
    BEFORE UPDATE OR DELETE ON loyalty_pointstransaction
    FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS loyalty_pointstransaction_append_only ON loyalty_pointstransaction;
DROP FUNCTION IF EXISTS loyalty_ledger_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [
        migrations.RunPython(seed_tiers, migrations.RunPython.noop),
        PostgresOnlySQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
