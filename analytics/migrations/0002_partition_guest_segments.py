"""On PostgreSQL, GuestSegment becomes a table partitioned by run (LIST on run_id).

Each run writes its million rows into a fresh table of its own — COPY without index
upkeep, indexes built once afterwards, then ATTACH PARTITION — and a replaced or pruned
run is a DROP TABLE instead of a million-row DELETE.  Columns, CHECK constraints, the
primary key and the index keep the names Django gave them in 0001, so later migrations
of the model work unchanged.  SQLite keeps the plain table.
"""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

FORWARD = """
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM analytics_guestsegment) THEN
        RAISE EXCEPTION 'analytics_guestsegment must be empty to be partitioned (0001 and 0002 ship together)';
    END IF;
END $$;
CREATE TABLE analytics_guestsegment_partitioned
    (LIKE analytics_guestsegment INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (run_id);
DROP TABLE analytics_guestsegment;
ALTER TABLE analytics_guestsegment_partitioned RENAME TO analytics_guestsegment;
ALTER TABLE analytics_guestsegment ADD CONSTRAINT analytics_guestsegment_pkey PRIMARY KEY (run_id, guest_id);
CREATE INDEX guestsegment_run_seg_rank_idx ON analytics_guestsegment (run_id, segment, rank);
"""

BACKWARD = """
CREATE TABLE analytics_guestsegment_plain
    (LIKE analytics_guestsegment INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO analytics_guestsegment_plain SELECT * FROM analytics_guestsegment;
DROP TABLE analytics_guestsegment CASCADE;
ALTER TABLE analytics_guestsegment_plain RENAME TO analytics_guestsegment;
ALTER TABLE analytics_guestsegment ADD CONSTRAINT analytics_guestsegment_pkey PRIMARY KEY (run_id, guest_id);
CREATE INDEX guestsegment_run_seg_rank_idx ON analytics_guestsegment (run_id, segment, rank);
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
