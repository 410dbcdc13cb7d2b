"""The consent booleans become the first entries of the ledger; the default sensitive
preferences are marked; on PostgreSQL the ledger is append-only in the database too."""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

BATCH = 5000
SENSITIVE_CODES = ["accessible-room", "diet-halal", "diet-gluten-free", "allergy-nuts", "pillow-hypoallergenic"]


def _entries(guest, purpose, granted, at, source):
    return {
        "guest_id": guest["id"],
        "purpose": purpose,
        "granted": granted,
        "at": at or guest["created_at"],
        "source": (source or "migration")[:50],
        "wording_version": "legacy",
        "channel": "system",
    }


def _from_flags(guest) -> list[dict]:
    """What the booleans said: a channel ever set (or its time stamp kept), an opt-out."""
    rows = []
    for channel in ("email", "sms"):
        if guest[f"marketing_{channel}_consent"] or guest[f"marketing_{channel}_consent_at"]:
            rows.append(
                _entries(
                    guest,
                    f"marketing_{channel}",
                    guest[f"marketing_{channel}_consent"],
                    guest[f"marketing_{channel}_consent_at"],
                    guest[f"marketing_{channel}_consent_source"],
                )
            )
    if guest["profiling_opt_out"]:
        rows.append(_entries(guest, "profiling", False, guest["updated_at"], "migration"))
    return rows


def flags_to_ledger(apps, schema_editor):
    Guest = apps.get_model("guests", "Guest")
    ConsentEntry = apps.get_model("guests", "ConsentEntry")
    fields = ["id", "created_at", "updated_at", "profiling_opt_out"] + [
        f"marketing_{c}_consent{suffix}" for c in ("email", "sms") for suffix in ("", "_at", "_source")
    ]
    guests = (
        Guest.objects.filter(merged_into__isnull=True)
        .exclude(
            marketing_email_consent=False,
            marketing_email_consent_at__isnull=True,
            marketing_sms_consent=False,
            marketing_sms_consent_at__isnull=True,
            profiling_opt_out=False,
        )
        .values(*fields)
        .order_by("id")
    )
    batch = []
    for guest in guests.iterator(chunk_size=BATCH):
        batch += [ConsentEntry(**row) for row in _from_flags(guest)]
        if len(batch) >= BATCH:
            ConsentEntry.objects.bulk_create(batch)
            batch = []
    ConsentEntry.objects.bulk_create(batch)


def mark_sensitive(apps, schema_editor):
    apps.get_model("guests", "PreferenceType").objects.filter(code__in=SENSITIVE_CODES).update(is_sensitive=True)


APPEND_ONLY = r"""
CREATE OR REPLACE FUNCTION guests_consent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'consent entries cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- Only erasure's scrub of the free text (source, note) may touch a row.
    IF (to_jsonb(NEW) - 'source' - 'note') IS DISTINCT FROM (to_jsonb(OLD) - 'source' - 'note') THEN
        RAISE EXCEPTION 'consent entries are append-only: record a new entry instead'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS guests_consent_append_only ON guests_consententry;
CREATE TRIGGER guests_consent_append_only
    BEFORE UPDATE OR DELETE ON guests_consententry
    FOR EACH ROW EXECUTE FUNCTION guests_consent_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS guests_consent_append_only ON guests_consententry;
DROP FUNCTION IF EXISTS guests_consent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("guests", "0006_consent_ledger_sensitive_preferences_audit_targets")]

    operations = [
        migrations.RunPython(flags_to_ledger, migrations.RunPython.noop),
        migrations.RunPython(mark_sensitive, migrations.RunPython.noop),
        PostgresOnlySQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
