"""The complaint analysis: every figure defined once, so the parts add up to their totals.

Over the complaints *received* in the period at the viewer's properties (or one of them):

* **total** = **open** + **resolved**.  *Resolved*: resolved now (status resolved,
  feedback recorded or closed) — a reopened complaint is open again and counts once, as
  open, until it is resolved again.  *Open* = **on time** + **overdue** (past the
  deadline that counts now: first response while received, then resolution).
* **Resolution SLA**: *resolved* = **resolved within SLA** (by the resolution deadline in
  force when it was resolved; a reopen sets a fresh one) + **resolved late**.
  Compliance = within SLA ÷ (resolved + **open past the resolution deadline**): an open
  complaint already past its deadline is a known miss.
* **First response**: *total* = **in time** + **late** (answered late, or still
  unanswered past the deadline) + **pending** (not answered yet, deadline ahead).
* **Stayed again**: each complainant counts once, by their *first* complaint of the period
  that is resolved: did they arrive for a stay (in house or checked out) after the day it
  was resolved?  Complainants = those handled within SLA + those handled late, and the
  same for those who came back.
* **Satisfaction**: scores 1-5 recorded after resolution; *rated* is the sum of the
  distribution; the top box counts only 5.
* **Repeat complainers**: guests with two or more complaints in the period, out of all
  guests with a complaint in the period.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from guests.models import Guest, Property

from ..models import Complaint
from .queue import overdue_q, stayed_again_exists, visible_complaints


def _month_key(value) -> str:
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()[:7]


def _months(start: dt.date, end: dt.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


class Rules:
    """The conditions behind the figures, for one moment ``now``."""

    def __init__(self, now: dt.datetime):
        self.open = Q(status__in=Complaint.OPEN_STATUSES)
        self.resolved = Q(status__in=Complaint.RESOLVED_STATUSES)
        self.within_sla = self.resolved & Q(resolved_at__lte=F("resolution_due"))
        self.late = self.resolved & Q(resolved_at__gt=F("resolution_due"))
        self.open_past_due = self.open & Q(resolution_due__lt=now)
        self.overdue = overdue_q(now)
        self.first_in_time = Q(first_response_at__lte=F("first_response_due"))
        self.first_late = Q(first_response_at__gt=F("first_response_due")) | Q(
            first_response_at__isnull=True, first_response_due__lt=now
        )
        self.first_pending = Q(first_response_at__isnull=True, first_response_due__gte=now)


def _totals(base: QuerySet, rules: Rules) -> dict:
    return base.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=rules.open),
        overdue=Count("pk", filter=rules.overdue),
        resolved=Count("pk", filter=rules.resolved),
        sla_met=Count("pk", filter=rules.within_sla),
        sla_late=Count("pk", filter=rules.late),
        sla_open_past_due=Count("pk", filter=rules.open_past_due),
        first_met=Count("pk", filter=rules.first_in_time),
        first_late=Count("pk", filter=rules.first_late),
        first_pending=Count("pk", filter=rules.first_pending),
        rated=Count("pk", filter=Q(satisfaction__isnull=False)),
        top_box=Count("pk", filter=Q(satisfaction=5)),
        complainants=Count("guest", distinct=True),
        points=Sum("compensation_points"),
    )


def _sla(met: int, late: int, open_past_due: int) -> dict:
    return {
        "met": met,
        "late": late,
        "open_past_due": open_past_due,
        "missed": late + open_past_due,
        "compliance": _share(met, met + late + open_past_due),
    }


def _by_property(base: QuerySet, rules: Rules) -> list[dict]:
    rows = (
        base.values("property__code", "property__name")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=rules.open),
            resolved=Count("pk", filter=rules.resolved),
            sla_met=Count("pk", filter=rules.within_sla),
            sla_late=Count("pk", filter=rules.late),
            sla_open_past_due=Count("pk", filter=rules.open_past_due),
        )
        .order_by("property__code")
    )
    return [
        {
            "property": r["property__code"],
            "name": r["property__name"],
            "count": r["n"],
            "open": r["open"],
            "resolved": r["resolved"],
            "sla": _sla(r["sla_met"], r["sla_late"], r["sla_open_past_due"]),
            "sla_compliance": _sla(r["sla_met"], r["sla_late"], r["sla_open_past_due"])["compliance"],
        }
        for r in rows
    ]


def _by_month(base: QuerySet, date_from: dt.date, date_to: dt.date) -> tuple[list[dict], int]:
    """Every month of the period, quiet ones included, so the chart's time axis is true;
    with the bar geometry of the server-side SVG chart (100 units high, 40 wide)."""
    counted = {
        _month_key(r["month"]): r["n"]
        for r in base.annotate(month=TruncMonth("received_at")).values("month").annotate(n=Count("pk")).order_by()
    }
    months = [(key, counted.get(key, 0)) for key in _months(date_from, date_to)]
    peak = max((n for _key, n in months), default=0)
    rows = [
        {
            "month": key,
            "count": n,
            "height": round(100.0 * n / peak, 1) if peak else 0,
            "y": round(100.0 - (100.0 * n / peak), 1) if peak else 100,
            "x": 40 * index,
        }
        for index, (key, n) in enumerate(months)
    ]
    return rows, max(40 * len(rows), 480)


def _median_time_to_resolve(base: QuerySet, rules: Rules, resolved: int) -> dt.timedelta | None:
    """The middle row(s) of the resolved complaints ordered by duration (portable: no
    percentile function needed)."""
    if not resolved:
        return None
    durations = (
        base.filter(rules.resolved)
        .annotate(duration=ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField()))
        .order_by("duration", "pk")
        .values_list("duration", flat=True)
    )
    middle = list(durations[(resolved - 1) // 2 : resolved // 2 + 1])
    return sum(middle, dt.timedelta()) / len(middle)


def _repeaters(base: QuerySet) -> tuple[int, list[dict]]:
    repeaters_qs = (
        base.filter(guest__isnull=False).values("guest_id").annotate(n=Count("pk")).filter(n__gte=2).order_by()
    )
    top = list(repeaters_qs.order_by("-n", "guest_id")[:20])
    guests = Guest.objects.in_bulk([r["guest_id"] for r in top])
    rows = [
        {"guest_id": r["guest_id"], "name": guests[r["guest_id"]].display_name, "complaints": r["n"]}
        for r in top
        if r["guest_id"] in guests
    ]
    return repeaters_qs.count(), rows


def _stayed_again(base: QuerySet, rules: Rules) -> dict:
    """Each complainant once, by their first resolved complaint of the period."""
    resolved = base.filter(rules.resolved, guest__isnull=False)
    earlier = resolved.filter(guest_id=OuterRef("guest_id")).filter(
        Q(received_at__lt=OuterRef("received_at")) | Q(received_at=OuterRef("received_at"), pk__lt=OuterRef("pk"))
    )
    firsts = (
        resolved.annotate(has_earlier=Exists(earlier))
        .filter(has_earlier=False)
        .annotate(resolved_on=TruncDate("resolved_at"))
        .annotate(came_back=stayed_again_exists())
    )
    came_back = Q(came_back=True)
    row = firsts.aggregate(
        fast=Count("pk", filter=rules.within_sla),
        fast_returned=Count("pk", filter=rules.within_sla & came_back),
        slow=Count("pk", filter=rules.late),
        slow_returned=Count("pk", filter=rules.late & came_back),
    )
    complainants = row["fast"] + row["slow"]
    returned = row["fast_returned"] + row["slow_returned"]
    return {
        "complainants": complainants,
        "returned": returned,
        "share": _share(returned, complainants),
        "within_sla": {
            "complainants": row["fast"],
            "returned": row["fast_returned"],
            "share": _share(row["fast_returned"], row["fast"]),
        },
        "late": {
            "complainants": row["slow"],
            "returned": row["slow_returned"],
            "share": _share(row["slow_returned"], row["slow"]),
        },
    }


def _satisfaction(base: QuerySet, totals: dict) -> dict:
    counts = {
        r["satisfaction"]: r["n"]
        for r in base.filter(satisfaction__isnull=False)
        .values("satisfaction")
        .annotate(n=Count("pk"))
        .order_by("satisfaction")
    }
    top_score = max(counts.values(), default=0)
    return {
        "rated": totals["rated"],
        "top_box": totals["top_box"],
        "top_box_share": _share(totals["top_box"], totals["rated"]),
        "distribution": [
            {
                "score": score,
                "count": counts.get(score, 0),
                "width": round(220.0 * counts.get(score, 0) / top_score, 1) if top_score else 0,
                "offset": 22 * (score - 1),
            }
            for score in range(1, 6)
        ],
    }


def _compensation(base: QuerySet, totals: dict) -> dict:
    money = (
        base.filter(compensation_money__gt=0)
        .values("compensation_currency")
        .annotate(total=Sum("compensation_money"), n=Count("pk"))
        .order_by("compensation_currency")
    )
    return {
        "points": totals["points"] or 0,
        "money": [{"currency": r["compensation_currency"], "total": r["total"], "complaints": r["n"]} for r in money],
    }


def complaint_analysis(
    *,
    viewer,
    date_from: dt.date,
    date_to: dt.date,
    property: Property | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Figures for the analysis page and API, aggregated in the database over the
    complaints received between ``date_from`` and ``date_to`` (inclusive) at the viewer's
    properties (or one of them).  The definitions are in this module's docstring (and on
    the page); each part adds up to its total."""
    now = now or timezone.now()
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    base = visible_complaints(viewer).filter(received_at__gte=start, received_at__lt=end)
    if property is not None:
        base = base.filter(property=property)
    rules = Rules(now)
    totals = _totals(base, rules)
    by_month, chart_width = _by_month(base, date_from, date_to)
    by_category = {r["category"]: r["n"] for r in base.values("category").annotate(n=Count("pk")).order_by("category")}
    median = _median_time_to_resolve(base, rules, totals["resolved"])
    repeat_count, repeaters = _repeaters(base)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "property": property.code if property else None,
        "total": totals["total"],
        "open": totals["open"],
        "on_time": totals["open"] - totals["overdue"],
        "overdue": totals["overdue"],
        "resolved": totals["resolved"],
        "by_category": [
            {"category": key, "label": str(label), "count": by_category.get(key, 0)}
            for key, label in Complaint.Category.choices
        ],
        "by_property": _by_property(base, rules),
        "by_month": by_month,
        "chart_width": chart_width,
        "sla": {
            **_sla(totals["sla_met"], totals["sla_late"], totals["sla_open_past_due"]),
            "first_response_met": totals["first_met"],
            "first_response_missed": totals["first_late"],
            "first_response_pending": totals["first_pending"],
            "first_response_compliance": _share(totals["first_met"], totals["first_met"] + totals["first_late"]),
        },
        "median_time_to_resolve": median,
        "median_hours_to_resolve": round(median.total_seconds() / 3600, 1) if median is not None else None,
        "repeat_complainers": repeat_count,
        "repeat_complainers_share": _share(repeat_count, totals["complainants"]),
        "repeaters": repeaters,
        "complainants": totals["complainants"],
        "stayed_again": _stayed_again(base, rules),
        "satisfaction": _satisfaction(base, totals),
        "compensation": _compensation(base, totals),
    }
