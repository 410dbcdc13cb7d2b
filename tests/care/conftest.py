import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from analytics.models import GuestSegment, SegmentationRun


def _partition_for(run):
    """On PostgreSQL analytics keeps each run's guest rows in a partition of their own
    (list-partitioned by run); give the hand-made run one so its rows have a home."""
    if connection.vendor != "postgresql":
        return
    parent = GuestSegment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [parent])
        row = cursor.fetchone()
        if row and row[0]:
            name = connection.ops.quote_name(f"{parent}_care_test_{int(run.pk)}")
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {connection.ops.quote_name(parent)} FOR VALUES IN ({int(run.pk)})"
            )


@pytest.fixture
def segments(db):
    """``segments({guest: "vip", ...})`` makes a completed, current segmentation run that
    puts those guests in those segments (what analytics.selectors.current_segments reads)."""

    def make(mapping, as_of=None):
        SegmentationRun.objects.filter(is_current=True).update(is_current=False)
        run = SegmentationRun.objects.create(
            as_of=as_of or timezone.localdate() - dt.timedelta(days=SegmentationRun.objects.count() + 1),
            status=SegmentationRun.Status.COMPLETED,
            is_current=True,
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
        _partition_for(run)
        GuestSegment.objects.bulk_create(
            [GuestSegment(run=run, guest=guest, segment=segment) for guest, segment in mapping.items()]
        )
        return run

    return make
