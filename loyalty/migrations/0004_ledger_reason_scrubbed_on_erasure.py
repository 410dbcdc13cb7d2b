"""The points ledger stays append-only on PostgreSQL, with one exception: erasure may
replace the typed reason of a guest's manual movements by "(erased)" (nothing else of
the row may change, and only to that text)."""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

APPEND_ONLY_BUT_ERASURE = """
CREATE OR REPLACE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.reason = '(erased)'
       AND (to_jsonb(NEW) - 'reason') = (to_jsonb(OLD) - 'reason') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'loyalty_pointstransaction is append-only: post a compensating transaction instead';
END;
$$ LANGUAGE plpgsql;
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'loyalty_pointstransaction is append-only: post a compensating transaction instead';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0003_tierchange_superseded_at")]

    operations = [PostgresOnlySQL(APPEND_ONLY_BUT_ERASURE, APPEND_ONLY)]
