"""PostgreSQL: pg_trgm and the trigram index behind typo-tolerant search.
All databases: the default preference vocabulary (admins extend it)."""

from django.db import migrations

from crm_site.migration_ops import PostgresOnlySQL

VOCABULARY = [
    # (code, category, group, label, order)
    ("bed-king", "room", "bed type", "King bed", 10),
    ("bed-twin", "room", "bed type", "Twin beds", 11),
    ("non-smoking", "room", "smoking", "Non-smoking room", 20),
    ("smoking", "room", "smoking", "Smoking room", 21),
    ("high-floor", "room", "floor", "High floor", 30),
    ("low-floor", "room", "floor", "Low floor", 31),
    ("pillow-feather", "room", "pillow", "Feather pillow", 40),
    ("pillow-hypoallergenic", "room", "pillow", "Hypoallergenic pillow", 41),
    ("pillow-firm", "room", "pillow", "Firm pillow", 42),
    ("minibar-empty", "room", "minibar", "Empty minibar", 50),
    ("minibar-soft-drinks", "room", "minibar", "Soft drinks only in minibar", 51),
    ("quiet-room", "room", "quiet", "Quiet room away from lift", 60),
    ("accessible-room", "room", "accessibility", "Wheelchair-accessible room", 70),
    ("diet-vegetarian", "dining", "diet", "Vegetarian", 10),
    ("diet-halal", "dining", "diet", "Halal", 11),
    ("diet-gluten-free", "dining", "diet", "Gluten-free", 12),
    ("allergy-nuts", "dining", "allergy", "Nut allergy", 20),
    ("breakfast-chinese", "dining", "breakfast", "Chinese breakfast", 30),
    ("breakfast-early", "dining", "breakfast", "Early breakfast", 31),
    ("newspaper", "amenities", "newspaper", "Daily newspaper", 10),
    ("extra-towels", "amenities", "bathroom", "Extra towels", 20),
    ("bathrobe-kids", "amenities", "bathroom", "Children's bathrobe", 21),
    ("tea-kettle", "amenities", "in-room", "Tea kettle and green tea", 30),
    ("late-checkout", "amenities", "service", "Late check-out when possible", 40),
]


def add_vocabulary(apps, schema_editor):
    PreferenceType = apps.get_model("guests", "PreferenceType")
    for code, category, group, label, order in VOCABULARY:
        PreferenceType.objects.get_or_create(
            code=code, defaults={"category": category, "group": group, "label": label, "sort_order": order}
        )


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
        migrations.RunPython(add_vocabulary, migrations.RunPython.noop),
    ]
