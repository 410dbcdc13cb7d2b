"""On-the-books pace: bookings on hand for the next 90 days by arrival date, against
what was on hand at the same lead time last year for the same weekday a year earlier
(364 days).  On hand = booked by then and not cancelled by then; read from the stays of
those 180 arrival dates, since the facts keep no booking history day by day: chain-wide
from the covering index ``stay_arrival_pace_idx`` alone (every column counted here is in
it: ``COUNT(*)``, not the id), for a hotel through (property, arrival date)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone

from guests.models import Stay

from .common import change, definitions
from .filters import ReportFilter

HORIZON = 90
YEAR = dt.timedelta(days=364)


def _on_hand(f: ReportFilter, first: dt.date, last: dt.date, as_of: dt.date) -> dict:
    stays = Stay.objects.filter(arrival_date__range=(first, last))
    if f.prop is not None:
        stays = stays.filter(property_id=f.prop.pk)
    elif f.property_ids is not None:
        stays = stays.filter(property_id__in=f.property_ids)
    for column, value in f.dimensions:
        stays = stays.filter(**{column: value})
    held = Q(booking_date__lte=as_of) | Q(booking_date__isnull=True, created_at__date__lte=as_of)
    not_cancelled = ~Q(status__in=["cancelled", "no_show"]) | Q(cancelled_on__gt=as_of)
    if as_of < timezone.localdate():
        not_cancelled |= Q(status="no_show")  # a no-show was still on the books before arrival
    rows = (
        stays.filter(held & not_cancelled)
        .values("arrival_date")
        .annotate(bookings=Count("*"), room_nights=Sum("nights"))
    )
    return {r["arrival_date"]: r for r in rows}


def pace(f: ReportFilter, *, today: dt.date | None = None) -> dict:
    today = today or (f.prop.business_date() if f.prop else timezone.localdate())
    first, last = today, today + dt.timedelta(days=HORIZON - 1)
    current = _on_hand(f, first, last, today)
    previous = _on_hand(f, first - YEAR, last - YEAR, today - YEAR)
    rows = []
    totals = defaultdict(int)
    day = first
    while day <= last:
        now, before = current.get(day, {}), previous.get(day - YEAR, {})
        row = {
            "arrival_date": day,
            "bookings": now.get("bookings", 0),
            "room_nights": now.get("room_nights") or 0,
            "last_year_date": day - YEAR,
            "last_year_bookings": before.get("bookings", 0),
            "last_year_room_nights": before.get("room_nights") or 0,
        }
        for key in ("bookings", "room_nights", "last_year_bookings", "last_year_room_nights"):
            totals[key] += row[key]
        rows.append(row)
        day += dt.timedelta(days=1)
    return {
        "filters": {**f.describe(), "as_of": today.isoformat(), "horizon_days": HORIZON},
        "definitions": {
            **definitions("last_year"),
            "pace": str(_pace_definition()),
        },
        "rows": rows,
        "total": dict(totals),
        "change": {
            "bookings": change(totals["bookings"], totals["last_year_bookings"]),
            "room_nights": change(totals["room_nights"], totals["last_year_room_nights"]),
        },
    }


def _pace_definition():
    from django.utils.translation import gettext as _

    return _(
        "On the books: bookings made by today and not cancelled by today, for each arrival date of the next 90 "
        "days; last year: what was on hand 364 days ago for the arrival dates 364 days earlier (same weekday)."
    )
