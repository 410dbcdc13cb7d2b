"""The pace report reads the chain's arrivals from one covering index (guests
migration 0017): an index-only scan, never the stays themselves (0.6 s → 70 ms at
5,000,000 stays).  The benchmark measures the time; this pins the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from performance import selectors
from tests.factories import StayFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_pace_is_an_index_only_scan_of_the_arrivals(hotel):
    today = dt.date.today()
    for days in range(0, 200, 3):
        arrival = today + dt.timedelta(days=days - 100)
        StayFactory(property=hotel, arrival_date=arrival, departure_date=arrival + dt.timedelta(days=2))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE guests_stay")
    with CaptureQueriesContext(connection) as captured:
        selectors.pace(selectors.report_filter({}, user=None))
    sqls = [q["sql"] for q in captured.captured_queries if "guests_stay" in q["sql"]]
    assert len(sqls) == 2  # this year and last
    with transaction.atomic(), connection.cursor() as cursor:
        # Only an index-only scan left allowed: possible only when every column the query
        # reads is in one index (a tiny table's cost model may otherwise take any index).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = on")
        for sql in sqls:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Only Scan using stay_arrival_pace_idx" in plan, plan
