"""Guest-source structure: bookings, stays, room nights and room revenue by country,
market segment, channel, customer type, agent, company and repeat vs first-time, each
share against last year's (by arrival date: ``SourceDay``, one query a year, or
``BookingFact`` under a dimension filter)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import BookingFact
from . import routing
from .common import LOST, STAYED, change, definitions, divide, money, rate
from .filters import ReportFilter

DIMENSIONS = {
    "country": gettext_lazy("Country"),
    "market_segment": gettext_lazy("Market segment"),
    "distribution_channel": gettext_lazy("Distribution channel (as given)"),
    "channel": gettext_lazy("Channel"),
    "customer_type": gettext_lazy("Customer type"),
    "agent_code": gettext_lazy("Travel agent"),
    "company_code": gettext_lazy("Company"),
    "is_repeat": gettext_lazy("Repeat vs first-time"),
}
TOP = 25


def _sums() -> dict:
    return {
        "n_bookings": Sum("bookings"),
        "n_stays": Sum("bookings", filter=Q(status_class__in=STAYED), default=0),
        "n_room_nights": Sum("room_nights", filter=Q(status_class__in=STAYED), default=0),
        "n_cancelled": Sum("bookings", filter=Q(status_class__in=LOST), default=0),
        "n_room_revenue": Sum("room_revenue", filter=Q(status_class__in=STAYED)),
        "n_lead_time_sum": Sum("lead_time_sum"),
        "n_lead_time_known": Sum("lead_time_known"),
    }


def _row(dimension: str, value, sums: dict) -> dict:
    return {dimension: value, **{k.removeprefix("n_"): v for k, v in sums.items() if k.startswith("n_")}}


def _rows(f: ReportFilter, dimensions) -> dict[str, dict]:
    """{dimension: {value: sums}} of the bookings arriving in ``f``'s period."""
    table = defaultdict(dict)
    rollup = routing.by_dimension(BookingFact, f)
    if rollup is not None:
        for r in (
            rollup.objects.filter(f.facts_q("arrival_date"), dimension__in=dimensions)
            .values("dimension", "value")
            .annotate(**_sums())
        ):
            dimension = r["dimension"]
            value = r["value"] == "1" if dimension == "is_repeat" else r["value"]
            table[dimension][value] = _row(dimension, value, r)
        return table
    for dimension in dimensions:
        for r in BookingFact.objects.filter(f.facts_q("arrival_date")).values(dimension).annotate(**_sums()):
            table[dimension][r[dimension]] = _row(dimension, r[dimension], r)
    return table


def _label(dimension: str, value) -> str:
    if dimension == "is_repeat":
        return str(_("Repeat guests") if value else _("First-time guests"))
    return value if value not in ("", None) else str(_("(not given)"))


def _dimension(dimension: str, current: dict, previous: dict) -> dict:
    total = sum(r["bookings"] for r in current.values())
    ly_total = sum(r["bookings"] for r in previous.values())
    ordered = sorted(current.values(), key=lambda r: (-r["bookings"], str(r[dimension])))
    rows = []
    for r in ordered:
        ly = previous.get(r[dimension], {})
        share, ly_share = rate(r["bookings"], total), rate(ly.get("bookings", 0), ly_total)
        rows.append(
            {
                "value": r[dimension],
                "label": _label(dimension, r[dimension]),
                "bookings": r["bookings"],
                "share": share,
                "stays": r["stays"],
                "room_nights": r["room_nights"],
                "room_revenue": money(r["room_revenue"]),
                "adr": divide(r["room_revenue"], r["room_nights"]),
                "cancellation_rate": rate(r["cancelled"], r["bookings"]),
                "average_lead_time": divide(r["lead_time_sum"], r["lead_time_known"]),
                "last_year_bookings": ly.get("bookings", 0),
                "last_year_share": ly_share,
                "share_change_points": None if ly_share is None or share is None else round(share - ly_share, 6),
                "bookings_change": change(r["bookings"], ly.get("bookings", 0)),
            }
        )
    return {
        "dimension": dimension,
        "label": str(DIMENSIONS[dimension]),
        "bookings": total,
        "last_year_bookings": ly_total,
        "rows": rows,
        "shown": min(len(rows), TOP),
    }


def source_mix(f: ReportFilter, *, dimensions=tuple(DIMENSIONS)) -> dict:
    current, previous = _rows(f, dimensions), _rows(f.last_year(), dimensions)
    return {
        "filters": f.describe(),
        "definitions": definitions("currency", "period_arrival", "repeat", "last_year"),
        "dimensions": [_dimension(d, current[d], previous[d]) for d in dimensions],
    }
