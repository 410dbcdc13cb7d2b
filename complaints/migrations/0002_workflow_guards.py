"""PostgreSQL: the database itself keeps the workflow honest.

* A complaint starts as "received", and its status can only change to what its latest
  timeline entry says (from the old status to the new one).  ``complaints.services``
  writes the entry first, so a stray ``Complaint.objects.update(status=...)`` is refused.
* Timeline entries are append-only: who, when, what and the statuses cannot be changed
  and entries cannot be deleted (a comment can still be redacted for a privacy erasure).

SQLite (the embedded default) relies on the services being the only writer.
"""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

STATUS_GUARD = r"""
CREATE OR REPLACE FUNCTION complaints_status_guard() RETURNS trigger AS $$
DECLARE
    latest RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'received' THEN
            RAISE EXCEPTION 'a complaint starts as received, not %', NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        SELECT from_status, to_status INTO latest
          FROM complaints_complaintevent
         WHERE complaint_id = NEW.id
         ORDER BY id DESC
         LIMIT 1;
        IF NOT FOUND OR latest.from_status <> OLD.status OR latest.to_status <> NEW.status THEN
            RAISE EXCEPTION 'complaint % cannot move from % to % without a timeline entry', NEW.id, OLD.status, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS complaints_status_guard ON complaints_complaint;
CREATE TRIGGER complaints_status_guard
    BEFORE INSERT OR UPDATE ON complaints_complaint
    FOR EACH ROW EXECUTE FUNCTION complaints_status_guard();
"""

APPEND_ONLY = r"""
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'complaint timeline entries cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.complaint_id IS DISTINCT FROM OLD.complaint_id
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.by_id IS DISTINCT FROM OLD.by_id
       OR NEW.from_status IS DISTINCT FROM OLD.from_status
       OR NEW.to_status IS DISTINCT FROM OLD.to_status THEN
        RAISE EXCEPTION 'complaint timeline entries are append-only'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_complaintevent;
CREATE TRIGGER complaints_event_append_only
    BEFORE UPDATE OR DELETE ON complaints_complaintevent
    FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            sql=STATUS_GUARD,
            reverse_sql=(
                "DROP TRIGGER IF EXISTS complaints_status_guard ON complaints_complaint;"
                "DROP FUNCTION IF EXISTS complaints_status_guard();"
            ),
        ),
        PostgresOnlySQL(
            sql=APPEND_ONLY,
            reverse_sql=(
                "DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_complaintevent;"
                "DROP FUNCTION IF EXISTS complaints_event_append_only();"
            ),
        ),
    ]
