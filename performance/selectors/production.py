"""Production: room nights, stays, revenue, ADR, occupancy and RevPAR by day, week or
month, against the same dates last year (``NightFact``, ``BookingFact``,
``guests.RoomInventory``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _

from guests.models import Property, RoomInventory

from ..models import BookingFact, NightFact
from . import routing
from .common import STAYED, TRUNC, as_date, bucket_start, buckets, change, definitions, divide, money, rate, sums
from .filters import ReportFilter, year_back

AMOUNTS = ("room_revenue", "fnb_revenue", "other_revenue")


def _nights(f: ReportFilter) -> dict:
    rows = (
        routing.facts(NightFact, f, "status_class")
        .filter(f.facts_q("stay_date"), status_class__in=STAYED)
        .annotate(bucket=TRUNC[f.granularity]("stay_date"))
        .values("bucket")
        .annotate(**sums("room_nights", *AMOUNTS))
    )
    return {as_date(r["bucket"]): r for r in rows}


def _arrivals(f: ReportFilter) -> dict:
    rows = (
        routing.facts(BookingFact, f, "status_class")
        .filter(f.facts_q("arrival_date"), status_class__in=STAYED)
        .annotate(bucket=TRUNC[f.granularity]("arrival_date"))
        .values("bucket")
        .annotate(stays=Sum("bookings"))
    )
    return {as_date(r["bucket"]): r["stays"] for r in rows}


def _properties(f: ReportFilter) -> list[int]:
    if f.prop is not None:
        return [f.prop.pk]
    props = Property.objects.filter(is_active=True)
    if f.property_ids is not None:
        props = props.filter(pk__in=f.property_ids)
    return list(props.values_list("pk", flat=True))


def rooms_available(property_ids: list[int], start: dt.date, end: dt.date) -> dict[dt.date, int | None]:
    """Rooms to sell each day (None on a day some property has no inventory for)."""
    entries = defaultdict(list)
    for pid, valid_from, rooms in (
        RoomInventory.objects.filter(property_id__in=property_ids, valid_from__lte=end)
        .order_by("property_id", "valid_from")
        .values_list("property_id", "valid_from", "rooms")
    ):
        entries[pid].append((valid_from, rooms))
    result, day = {}, start
    while day <= end:
        total = 0
        for pid in property_ids:
            current = None
            for valid_from, rooms in entries.get(pid, ()):
                if valid_from <= day:
                    current = rooms
            if current is None:
                total = None
                break
            total += current
        result[day] = total
        day += dt.timedelta(days=1)
    return result


def _available_by_bucket(f: ReportFilter, start, end, daily) -> dict:
    result = {}
    for day, rooms in daily.items():
        key = bucket_start(day, f.granularity)
        if key in result and result[key] is None:
            continue
        result[key] = None if rooms is None else result.get(key, 0) + rooms
    return result


def _figures(nights: dict | None, stays: int | None, available: int | None) -> dict:
    nights = nights or {}
    room_nights = nights.get("room_nights") or 0
    room = money(nights.get("room_revenue"))
    fnb, other = money(nights.get("fnb_revenue")), money(nights.get("other_revenue"))
    return {
        "room_nights": room_nights,
        "stays": stays or 0,
        "room_revenue": room,
        "fnb_revenue": fnb,
        "other_revenue": other,
        "total_revenue": room + fnb + other,
        "adr": divide(room, room_nights),
        "rooms_available": available,
        "occupancy": rate(room_nights, available) if available else None,
        "revpar": divide(room, available) if available else None,
    }


def _total(rows: list[dict], key: str) -> dict:
    nights = {k: sum((r[key][k] for r in rows), start=0) for k in ("room_nights", *AMOUNTS)}
    stays = sum(r[key]["stays"] for r in rows)
    available = [r[key]["rooms_available"] for r in rows]
    known = None if any(a is None for a in available) else sum(available)
    return _figures(nights, stays, known)


def production(f: ReportFilter) -> dict:
    """Each bucket's figures and last year's, totals, and why occupancy is missing."""
    ly = f.last_year()
    props = _properties(f)
    nights, arrivals = _nights(f), _arrivals(f)
    ly_nights, ly_arrivals = _nights(ly), _arrivals(ly)
    daily = rooms_available(props, ly.start, f.end)
    current_days = {d: r for d, r in daily.items() if d >= f.start}
    ly_days = {d: r for d, r in daily.items() if ly.start <= d <= ly.end}
    available, ly_available = (
        _available_by_bucket(f, f.start, f.end, current_days),
        _available_by_bucket(f, ly.start, ly.end, ly_days),
    )
    rows = []
    for key in buckets(f.start, f.end, f.granularity):
        ly_key = bucket_start(year_back(key), f.granularity) if f.granularity != "day" else year_back(key)
        current = _figures(nights.get(key), arrivals.get(key), available.get(key))
        previous = _figures(ly_nights.get(ly_key), ly_arrivals.get(ly_key), ly_available.get(ly_key))
        rows.append(
            {
                "period": key,
                "current": current,
                "last_year": previous,
                "change": {k: change(current[k], previous[k]) for k in ("room_nights", "stays", "room_revenue", "adr")},
            }
        )
    total, ly_total = _total(rows, "current"), _total(rows, "last_year")
    missing = [d for d, rooms in current_days.items() if rooms is None]
    return {
        "filters": f.describe(),
        "definitions": definitions("currency", "revenue", "dates", "adr", "last_year"),
        "rows": rows,
        "total": total,
        "last_year_total": ly_total,
        "change": {k: change(total[k], ly_total[k]) for k in ("room_nights", "stays", "room_revenue", "adr")},
        "occupancy_missing": _missing_reason(missing, props),
    }


def _missing_reason(missing: list[dt.date], props: list[int]) -> str | None:
    if not props:
        return str(_("No hotel is selected."))
    if not missing:
        return None
    return str(
        _(
            "Occupancy and RevPAR are missing where a hotel has no rooms to sell recorded "
            "(room inventory) — from %(first)s to %(last)s, %(days)d days."
        )
        % {"first": missing[0].isoformat(), "last": missing[-1].isoformat(), "days": len(missing)}
    )
