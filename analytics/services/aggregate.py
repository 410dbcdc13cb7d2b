"""Reading a run's input: ONE aggregate query per (guest, property) over checked-out
stays up to the as-of date, each row flagged when the guest has a stay on the books
(``guests.selectors.guests_on_the_books_sql``: reserved or in house, departing on or
after the as-of date) (guests who objected to profiling left out; an erased,
anonymous profile stays in the figures), streamed out with ``COPY`` on PostgreSQL
(``crm_site.pgcopy.read_frame``), and the segments of an earlier run for the migration
matrix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from crm_site import pgcopy
from guests.models import Guest, Stay
from guests.selectors import guests_on_the_books_sql

from .. import segmentation as calc
from ..models import GuestSegment, SegmentationRun

AGGREGATE_WORK_MEM = "256MB"  # PostgreSQL memory for the one aggregate (about 100 bytes a guest)


def _days_before(as_of_sql: str, column_sql: str) -> str:
    """SQL for the whole days from ``column_sql`` to ``as_of_sql``."""
    if connection.vendor == "postgresql":
        return f"(CAST({as_of_sql} AS date) - {column_sql})"
    return f"CAST(julianday({as_of_sql}) - julianday({column_sql}) AS INTEGER)"


def _aggregate_sql(as_of: dt.date) -> tuple[str, list]:
    """The run's one aggregate query: per (guest, property) over checked-out stays up to
    the as-of date, left-joined to every unmerged guest (prospects have no stay row) and
    to the guests with a stay on the books.  Returns the SQL and its parameters, each a
    name (filled in by :func:`read_aggregate`) or a ready value."""
    qn = connection.ops.quote_name
    stay, guest = qn(Stay._meta.db_table), qn(Guest._meta.db_table)
    booked_sql, booked_params = guests_on_the_books_sql(as_of)
    sql = f"""
        SELECT g.id, s.property_id, COALESCE(s.revenue, 0), COALESCE(s.stays, 0), COALESCE(s.nights, 0),
               s.last_gap, s.first_gap, CASE WHEN b.guest_id IS NULL THEN 0 ELSE 1 END
        FROM {guest} g
        LEFT JOIN (
            SELECT st.guest_id, st.property_id,
                   CAST(ROUND(SUM(CASE WHEN st.departure_date > %s THEN st.total_revenue ELSE 0 END) * 100)
                        AS BIGINT) AS revenue,
                   SUM(CASE WHEN st.departure_date > %s THEN 1 ELSE 0 END) AS stays,
                   SUM(CASE WHEN st.departure_date > %s THEN st.nights ELSE 0 END) AS nights,
                   {_days_before("%s", "MAX(st.departure_date)")} AS last_gap,
                   {_days_before("%s", "MIN(st.arrival_date)")} AS first_gap
            FROM {stay} st
            WHERE st.status = %s AND st.guest_id IS NOT NULL AND st.departure_date <= %s
            GROUP BY st.guest_id, st.property_id
        ) s ON s.guest_id = g.id
        LEFT JOIN ({booked_sql}) b ON b.guest_id = g.id
        WHERE g.merged_into_id IS NULL AND (s.guest_id IS NOT NULL OR g.created_at < %s)
          AND (g.profiling_opt_out = %s OR g.is_anonymised = %s)
    """
    names = ["start", "start", "start", "as_of", "as_of", "status", "as_of"]
    return sql, [*names, *(_Value(v) for v in booked_params), "created_before", "false", "true"]


class _Value:
    """A parameter given as its value (not a name to look up)."""

    def __init__(self, value):
        self.value = value


def _created_before(as_of: dt.date) -> dt.datetime:
    # Profiles created after the as-of date were not prospects yet on that date.
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))


def opted_out_count(*, as_of: dt.date) -> int:
    """Identified guests left out because they objected to profiling (counted apart).
    An erased profile is anonymous: its stays stay in the figures."""
    return Guest.objects.identified().filter(profiling_opt_out=True, created_at__lt=_created_before(as_of)).count()


def read_aggregate(*, as_of: dt.date, window_start: dt.date) -> pd.DataFrame:
    sql, names = _aggregate_sql(as_of)
    ops = connection.ops
    created_before = _created_before(as_of)
    values = {
        "start": ops.adapt_datefield_value(window_start),
        "as_of": ops.adapt_datefield_value(as_of),
        "status": Stay.Status.CHECKED_OUT.value,
        "created_before": ops.adapt_datetimefield_value(created_before),
        "false": False,
        "true": True,
    }
    dtypes = {
        "guest_id": np.int64,
        "property_id": np.float64,
        "revenue": np.int64,
        "stays": np.int64,
        "nights": np.int64,
        "last_gap": np.float64,
        "first_gap": np.float64,
        "booked": np.int64,
    }
    params = [n.value if isinstance(n, _Value) else values[n] for n in names]
    return pgcopy.read_frame(sql, params, dtypes, work_mem=AGGREGATE_WORK_MEM)


def previous_run(as_of: dt.date) -> SegmentationRun | None:
    """The completed run just before ``as_of`` whose guest rows are still kept."""
    return (
        SegmentationRun.objects.filter(
            status=SegmentationRun.Status.COMPLETED, as_of__lt=as_of, guest_rows_pruned=False
        )
        .order_by("-as_of")
        .first()
    )


def read_segments(run: SegmentationRun) -> pd.DataFrame:
    """(guest_id, segment code) of an earlier run, the codes mapped in SQL so no Python
    string is made per guest."""
    qn = connection.ops.quote_name
    cases = " ".join("WHEN %s THEN %s" for _code in calc.SEGMENT_CODES)
    params = [value for index, code in enumerate(calc.SEGMENT_CODES) for value in (code, index)]
    return pgcopy.read_frame(
        f"SELECT guest_id, CASE segment {cases} END FROM {qn(GuestSegment._meta.db_table)} WHERE run_id = %s",
        [*params, run.pk],
        {"guest_id": np.int64, "segment": np.int64},
    )
