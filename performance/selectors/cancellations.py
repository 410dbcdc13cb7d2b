"""Cancellations and no-shows: counts and rates by arrival month and by booking month
(the published rate counts no-shows as cancelled; the split beside it), the lead-time
profile of cancellations and the lost revenue (``BookingFact``)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from ..buckets import LEAD_BOUNDS, lead_label
from ..models import BookingFact, StatusClass
from . import routing
from .common import as_date, change, definitions, divide, money, rate
from .filters import ReportFilter

_CELL = ("bookings", "cancelled", "no_show", "checked_out", "lost", "lead_sum", "lead_known")


def _counts(rows, key: str) -> dict:
    table = defaultdict(lambda: dict.fromkeys(_CELL, 0))
    for r in rows:
        cell = table[as_date(r[key]) if key != "lead_bucket" else r[key]]
        cell["bookings"] += r["n"]
        cell["lost"] += r["lost"] or 0
        cell["lead_sum"] += r["lead_sum"] or 0
        cell["lead_known"] += r["lead_known"] or 0
        if r["status_class"] == StatusClass.CANCELLED:
            cell["cancelled"] += r["n"]
        elif r["status_class"] == StatusClass.NO_SHOW:
            cell["no_show"] += r["n"]
        elif r["status_class"] == StatusClass.REALISED:
            cell["checked_out"] += r["n"]
    return table


def _figures(cell: dict) -> dict:
    lost = cell["cancelled"] + cell["no_show"]
    return {
        "bookings": cell["bookings"],
        "checked_out": cell["checked_out"],
        "cancelled": cell["cancelled"],
        "no_show": cell["no_show"],
        "cancelled_incl_no_show": lost,
        "cancellation_rate": rate(lost, cell["bookings"]),
        "cancelled_rate": rate(cell["cancelled"], cell["bookings"]),
        "no_show_rate": rate(cell["no_show"], cell["bookings"]),
        "lost_revenue": money(cell["lost"]),
        "average_lead_time": divide(cell["lead_sum"], cell["lead_known"]),
    }


def _grouped(f: ReportFilter, q, key_expr=None, key: str = "bucket", *, column: str = "arrival_date"):
    rows = routing.facts(BookingFact, f, column, "status_class").filter(q)
    if key_expr is not None:
        rows = rows.annotate(**{key: key_expr})
    return rows.values(key, "status_class").annotate(
        n=Sum("bookings"), lost=Sum("lost_revenue"), lead_sum=Sum("lead_time_sum"), lead_known=Sum("lead_time_known")
    )


def _total(table: dict) -> dict:
    cell = dict.fromkeys(_CELL, 0)
    for row in table.values():
        for k in cell:
            cell[k] += row[k]
    return _figures(cell)


def cancellations(f: ReportFilter) -> dict:
    arrival = _counts(_grouped(f, f.facts_q("arrival_date"), TruncMonth("arrival_date")), "bucket")
    booking_q = f.facts_q("booking_month", start=f.start.replace(day=1))
    booking = _counts(_grouped(f, booking_q, key="booking_month", column="booking_month"), "booking_month")
    lead = _counts(_grouped(f, f.facts_q("arrival_date"), key="lead_bucket", column="lead_bucket"), "lead_bucket")
    ly = _counts(_grouped(f, f.last_year().facts_q("arrival_date"), key="status_class"), "status_class")
    total = _total(arrival)
    ly_total = _total(ly)
    lead_rows = []
    all_lost = total["cancelled_incl_no_show"]
    for bound in (*LEAD_BOUNDS, None):
        if bound not in lead:
            continue
        figures = _figures(lead[bound])
        figures["share_of_cancellations"] = rate(figures["cancelled_incl_no_show"], all_lost)
        lead_rows.append({"lead_time": lead_label(bound), **figures})
    return {
        "filters": f.describe(),
        "definitions": definitions("currency", "cancellation", "window", "period_arrival", "last_year"),
        "total": total,
        "last_year_total": ly_total,
        "change": {
            k: change(total[k], ly_total[k]) for k in ("bookings", "cancelled_incl_no_show", "cancellation_rate")
        },
        "by_arrival_month": [{"month": k, **_figures(v)} for k, v in sorted(arrival.items())],
        "by_booking_month": [{"month": k, **_figures(v)} for k, v in sorted(booking.items())],
        "lead_time_profile": lead_rows,
    }
