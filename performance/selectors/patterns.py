"""Booking patterns: the booking window (lead time) and length-of-stay distributions of
the bookings arriving in the period, and the day-of-week pattern of room nights and
arrivals (``BookingFact``, ``NightFact``)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import ExtractIsoWeekDay
from django.utils.dates import WEEKDAYS_ABBR

from ..buckets import LEAD_BOUNDS, lead_label, los_label
from ..models import BookingFact, NightFact
from . import routing
from .common import LOST, STAYED, definitions, rate
from .filters import ReportFilter


def _distribution(f: ReportFilter, key: str, order, label) -> list[dict]:
    counts = defaultdict(lambda: [0, 0])
    for row in (
        routing.facts(BookingFact, f, key, "status_class")
        .filter(f.facts_q("arrival_date"))
        .values(key, "status_class")
        .annotate(n=Sum("bookings"))
    ):
        counts[row[key]][0 if row["status_class"] in STAYED else 1] += row["n"]
    total_stayed = sum(c[0] for c in counts.values())
    total = sum(c[0] + c[1] for c in counts.values())
    rows = []
    for value in order(counts):
        stayed, lost = counts[value]
        rows.append(
            {
                "bucket": label(value),
                "bookings": stayed + lost,
                "share": rate(stayed + lost, total),
                "stayed": stayed,
                "stayed_share": rate(stayed, total_stayed),
                "cancelled_incl_no_show": lost,
                "cancellation_rate": rate(lost, stayed + lost),
            }
        )
    return rows


def _weekdays(f: ReportFilter) -> list[dict]:
    nights = dict(
        routing.facts(NightFact, f, "status_class")
        .filter(f.facts_q("stay_date"), status_class__in=STAYED)
        .annotate(weekday=ExtractIsoWeekDay("stay_date"))
        .values("weekday")
        .annotate(n=Sum("room_nights"))
        .values_list("weekday", "n")
    )
    arrivals = dict(
        routing.facts(BookingFact, f, "status_class")
        .filter(f.facts_q("arrival_date"))
        .exclude(status_class__in=LOST)
        .annotate(weekday=ExtractIsoWeekDay("arrival_date"))
        .values("weekday")
        .annotate(n=Sum("bookings"))
        .values_list("weekday", "n")
    )
    all_nights, all_arrivals = sum(nights.values()), sum(arrivals.values())
    return [
        {
            "weekday": str(WEEKDAYS_ABBR[day - 1]),
            "room_nights": nights.get(day, 0),
            "room_nights_share": rate(nights.get(day, 0), all_nights),
            "arrivals": arrivals.get(day, 0),
            "arrivals_share": rate(arrivals.get(day, 0), all_arrivals),
        }
        for day in range(1, 8)
    ]


def booking_patterns(f: ReportFilter) -> dict:
    return {
        "filters": f.describe(),
        "definitions": definitions("window", "period_arrival", "dates", "cancellation"),
        "booking_window": _distribution(
            f, "lead_bucket", lambda c: [b for b in (*LEAD_BOUNDS, None) if b in c], lead_label
        ),
        "length_of_stay": _distribution(f, "los", lambda c: sorted(c), los_label),
        "day_of_week": _weekdays(f),
    }
