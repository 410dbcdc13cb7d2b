"""Each report reads the smallest table holding what it filters and groups on: the
rollups without a dimension filter, the facts with one; the figures are the same
whichever it reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance import selectors
from performance.models import ArrivalDay, BookingDay, BookingFact, NightDay, NightFact, SourceDay
from performance.selectors import routing
from performance.services import facts_rebuild
from tests.factories import GuestFactory, StayFactory

REPORTS = {
    "production": selectors.production,
    "cancellations": selectors.cancellations,
    "sources": selectors.source_mix,
    "patterns": selectors.booking_patterns,
}
PERIOD = {"start": "2025-12-15", "end": "2026-02-10"}
FACTS = {"performance_nightfact", "performance_bookingfact"}
ROLLUPS = {"performance_nightday", "performance_bookingday", "performance_arrivalday", "performance_sourceday"}


@pytest.fixture
def chain(hotel, other_hotel):
    guest = GuestFactory()
    for i in range(12):
        StayFactory(
            property=(hotel, other_hotel)[i % 2],
            guest=guest if i % 3 else None,
            arrival_date=dt.date(2025, 12, 1) + dt.timedelta(days=6 * i),
            departure_date=dt.date(2025, 12, 1) + dt.timedelta(days=6 * i + 1 + i % 4),
            status=("checked_out", "cancelled", "no_show", "reserved")[i % 4],
            channel=("direct", "ota")[i % 2],
            market_segment=("Groups", "Direct", "Corporate")[i % 3],
            lead_time_days=(None, 3, 40, 400)[i % 4],
            booking_date=dt.date(2025, 10 + i % 3, 5),
            room_revenue=Decimal(100 + 7 * i),
            adr=Decimal("80.00"),
        )
    facts_rebuild()


def _tables(report, params) -> tuple[dict, set[str]]:
    f = selectors.report_filter(params, user=None)
    with CaptureQueriesContext(connection) as ctx:
        figures = REPORTS[report](f)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    models = (NightFact, BookingFact, NightDay, BookingDay, ArrivalDay, SourceDay)
    tables = {m._meta.db_table for m in models if f'"{m._meta.db_table}"' in sql}
    return figures, tables


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_reads_the_rollups_unfiltered_and_the_facts_filtered(chain, report, monkeypatch):
    figures, tables = _tables(report, PERIOD)
    assert tables and not tables & FACTS
    _filtered, tables = _tables(report, {**PERIOD, "channel": "ota"})
    assert tables and not tables & ROLLUPS
    # The same figures from the facts themselves.
    monkeypatch.setattr(routing, "FAMILIES", {base: (base,) for base in routing.FAMILIES})
    monkeypatch.setattr(routing, "BY_DIMENSION", {})
    from_facts, tables = _tables(report, PERIOD)
    assert tables and not tables & ROLLUPS
    assert from_facts == figures


def test_the_smallest_table_holding_the_columns():
    f = selectors.ReportFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    assert routing.table(NightFact, f, "status_class") is NightDay
    assert routing.table(BookingFact, f, "status_class") is ArrivalDay
    assert routing.table(BookingFact, f, "lead_bucket", "status_class") is BookingDay
    assert routing.table(BookingFact, f, "market_segment") is BookingFact
    filtered = selectors.ReportFilter(start=f.start, end=f.end, dimensions=(("channel", "ota"),))
    assert routing.table(NightFact, filtered, "status_class") is NightFact
    with pytest.raises(ValueError, match="nope"):
        routing.table(NightFact, f, "nope")
