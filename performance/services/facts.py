"""Building the daily facts from stays: the one writer of ``NightFact``,
``BookingFact`` and ``StaySpan``.

Rules:

* a stay counts on each night from its arrival to the day before its departure (its
  arrival date alone for a day use, with no room night); those are the hotel's own
  business dates, as the PMS sends them;
* amounts are converted with the rate the stay stored (``guests.money``) to whole
  cents, then spread over the nights, the remainder on the first night, so the nights
  of a stay add up to its amount exactly;
* status classes: checked out and in house are *realised*, reserved is *on the books*,
  cancelled and no-show keep their own class (the published cancellation rate counts
  both);
* a guest is a *repeat* guest when the source says so (``is_repeated_guest`` or earlier
  bookings not cancelled) or when the CRM holds an earlier realised stay of the guest;
* a refresh of a property × date range deletes and rebuilds that range in one
  transaction, holding the property row (``select_for_update``), so two refreshes never
  interleave and a reader sees the old facts or the new, never half.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Max, Min, Q

from crm_site import pgcopy
from guests.models import Property, Stay

from ..buckets import MAX_LOS, earliest_arrival, lead_bucket
from ..models import BookingFact, NightFact, StatusClass, StaySpan
from .facts_sql import rebuild_range_sql
from .journeys import journeys_rebuild

DAY = dt.timedelta(days=1)
# Tests set this to build the facts in Python on PostgreSQL too (the two must agree).
_force_python = False
CENT = Decimal("0.01")
STATUS_CLASS = {
    Stay.Status.CHECKED_OUT: StatusClass.REALISED,
    Stay.Status.IN_HOUSE: StatusClass.REALISED,
    Stay.Status.RESERVED: StatusClass.ON_BOOKS,
    Stay.Status.CANCELLED: StatusClass.CANCELLED,
    Stay.Status.NO_SHOW: StatusClass.NO_SHOW,
}
REALISED_STATUSES = (Stay.Status.CHECKED_OUT, Stay.Status.IN_HOUSE)
DIMENSIONS = (
    "channel",
    "distribution_channel",
    "market_segment",
    "country",
    "customer_type",
    "agent_code",
    "company_code",
    "status_class",
    "is_repeat",
)
_STAY_COLUMNS = (
    "id",
    "guest_id",
    "arrival_date",
    "departure_date",
    "nights",
    "status",
    "channel",
    "distribution_channel",
    "market_segment",
    "country",
    "customer_type",
    "agent_code",
    "company_code",
    "is_repeated_guest",
    "previous_bookings_not_canceled",
    "lead_time_days",
    "booking_date",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "exchange_rate",
    "lost_revenue_chain",
)
_NIGHT_COLUMNS = (
    "property_id",
    "stay_date",
    *DIMENSIONS,
    "room_nights",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "lost_revenue",
)
_BOOKING_COLUMNS = (
    "property_id",
    "arrival_date",
    "booking_month",
    "lead_bucket",
    "los",
    *DIMENSIONS,
    "bookings",
    "room_nights",
    "lead_time_sum",
    "lead_time_known",
    "room_revenue",
    "lost_revenue",
)


_SPAN_COLUMNS = ("stay_id", "property_id", "first_date", "last_date")


def stay_span(arrival: dt.date, departure: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a stay counts on: its nights, or its arrival for a day use."""
    return arrival, max(departure - DAY, arrival)


def _cents(amount, rate) -> int:
    return int((Decimal(amount) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


class _Facts:
    """The facts of one property over ``first``..``last``, added up stay by stay."""

    def __init__(self, property_id: int, first: dt.date, last: dt.date, first_stays: dict[int, dt.date]):
        self.property_id, self.first, self.last = property_id, first, last
        self.first_stays = first_stays
        self.nights: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        self.bookings: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])

    def _repeat(self, s: dict) -> bool:
        if s["is_repeated_guest"] or s["previous_bookings_not_canceled"]:
            return True
        first = self.first_stays.get(s["guest_id"]) if s["guest_id"] else None
        return first is not None and first < s["arrival_date"]

    def add(self, s: dict) -> None:
        status_class = STATUS_CLASS[s["status"]]
        dims = (
            s["channel"],
            s["distribution_channel"],
            s["market_segment"],
            s["country"],
            s["customer_type"],
            s["agent_code"],
            s["company_code"],
            status_class,
            self._repeat(s),
        )
        rate = s["exchange_rate"]
        amounts = [
            _cents(s["room_revenue"], rate),
            _cents(s["fnb_revenue"], rate),
            _cents(s["other_revenue"], rate),
            int(Decimal(s["lost_revenue_chain"] or 0) * 100),
        ]
        start, end = stay_span(s["arrival_date"], s["departure_date"])
        count = (end - start).days + 1
        room_night = 1 if s["nights"] else 0
        shares = [divmod(a, count) for a in amounts]
        day = max(start, self.first)
        while day <= min(end, self.last):
            row = self.nights[(day, *dims)]
            row[0] += room_night
            first_night = day == start
            for i, (base, rest) in enumerate(shares):
                row[i + 1] += base + (rest if first_night else 0)
            day += DAY
        if self.first <= start <= self.last:
            self._add_booking(s, dims, amounts)

    def _add_booking(self, s: dict, dims: tuple, amounts: list[int]) -> None:
        booked = s["booking_date"]
        lead = s["lead_time_days"]
        key = (
            s["arrival_date"],
            booked.replace(day=1) if booked else None,
            lead_bucket(lead),
            min(s["nights"], MAX_LOS),
            *dims,
        )
        row = self.bookings[key]
        row[0] += 1
        row[1] += s["nights"]
        if lead is not None:
            row[2] += lead
            row[3] += 1
        row[4] += amounts[0]
        row[5] += amounts[3]

    def night_rows(self) -> Iterable[tuple]:
        for (day, *dims), (nights, room, fnb, other, lost) in self.nights.items():
            yield (self.property_id, day, *dims, nights, _money(room), _money(fnb), _money(other), _money(lost))

    def booking_rows(self) -> Iterable[tuple]:
        for key, (count, nights, lead_sum, lead_known, room, lost) in self.bookings.items():
            yield (self.property_id, *key, count, nights, lead_sum, lead_known, _money(room), _money(lost))


def _first_stays(guest_ids: set[int] | None) -> dict[int, dt.date]:
    """Each guest's first realised arrival anywhere in the chain (all guests: None)."""
    stays = Stay.objects.filter(status__in=REALISED_STATUSES, guest_id__isnull=False)
    if guest_ids is not None:
        if not guest_ids:
            return {}
        stays = stays.filter(guest_id__in=guest_ids)
    return dict(stays.values("guest_id").annotate(first=Min("arrival_date")).values_list("guest_id", "first"))


def _overlapping(property_id: int, first: dt.date, last: dt.date):
    return Stay.objects.filter(
        Q(property_id=property_id, arrival_date__range=(earliest_arrival(first), last))
        & (Q(departure_date__gt=first) | Q(arrival_date__gte=first))
    )


def _insert(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    rows = list(rows)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            pgcopy.copy_text_rows(cursor, model._meta.db_table, columns, rows)
    else:
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
    return len(rows)


def _rebuild_range(
    property_id: int, first: dt.date, last: dt.date, first_stays: dict | None = None, *, whole: bool = False
) -> dict:
    """Replace the facts of one property over ``first``..``last`` (inside the caller's
    transaction, the property row held)."""
    if connection.vendor == "postgresql" and not _force_python:
        NightFact.objects.filter(property_id=property_id, stay_date__range=(first, last)).delete()
        BookingFact.objects.filter(property_id=property_id, arrival_date__range=(first, last)).delete()
        if whole:
            StaySpan.objects.filter(property_id=property_id).delete()
        return rebuild_range_sql(property_id, first, last)
    stays = _overlapping(property_id, first, last).values(*_STAY_COLUMNS)
    if first_stays is None:
        guests = set(
            _overlapping(property_id, first, last)
            .filter(guest_id__isnull=False)
            .values_list("guest_id", flat=True)
            .distinct()
        )
        first_stays = _first_stays(guests)
    facts = _Facts(property_id, first, last, first_stays)
    spans = []
    for stay in stays.iterator(chunk_size=5000):
        facts.add(stay)
        spans.append((stay["id"], property_id, *stay_span(stay["arrival_date"], stay["departure_date"])))
    NightFact.objects.filter(property_id=property_id, stay_date__range=(first, last)).delete()
    BookingFact.objects.filter(property_id=property_id, arrival_date__range=(first, last)).delete()
    nights = _insert(NightFact, _NIGHT_COLUMNS, facts.night_rows())
    bookings = _insert(BookingFact, _BOOKING_COLUMNS, facts.booking_rows())
    if whole:
        StaySpan.objects.filter(property_id=property_id).delete()
        _insert(StaySpan, _SPAN_COLUMNS, spans)
    else:
        _save_spans(spans)
    return {"night_rows": nights, "booking_rows": bookings, "stays": len(spans)}


def _save_spans(spans: list[tuple]) -> None:
    if not spans:
        return
    StaySpan.objects.filter(stay_id__in=[s[0] for s in spans]).delete()
    _insert(StaySpan, _SPAN_COLUMNS, spans)


def _lock(property_ids: Iterable[int]) -> None:
    list(Property.objects.select_for_update().filter(pk__in=sorted(set(property_ids))).order_by("pk").values("pk"))


# Dates of one property closer than this are rebuilt as one range; farther apart, apart.
MERGE_GAP = dt.timedelta(days=7)


def _disjoint(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The spans merged where they overlap or lie within ``MERGE_GAP`` of each other."""
    merged: list[list[dt.date]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + MERGE_GAP:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [(first, last) for first, last in merged]


def facts_refresh_stays(*, stay_ids: list[int]) -> dict:
    """Refresh the facts of every date the stays count on now or were counted on
    before (``StaySpan``), per property: what ``stays_upserted`` calls.  Only those
    dates: a batch holding a stay of 2019 and one of next year rebuilds two short
    ranges, not the seven years between them."""
    if not stay_ids:
        return {"ranges": 0}
    spans: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for chunk_start in range(0, len(stay_ids), 5000):
        chunk = stay_ids[chunk_start : chunk_start + 5000]
        for pid, arrival, departure in Stay.objects.filter(pk__in=chunk).values_list(
            "property_id", "arrival_date", "departure_date"
        ):
            spans[pid].append(stay_span(arrival, departure))
        for pid, first, last in StaySpan.objects.filter(stay_id__in=chunk).values_list(
            "property_id", "first_date", "last_date"
        ):
            spans[pid].append((first, last))
    return facts_refresh(ranges={pid: _disjoint(found) for pid, found in spans.items()})


def facts_refresh(*, ranges: dict[int, tuple[dt.date, dt.date] | list[tuple[dt.date, dt.date]]]) -> dict:
    """Rebuild the facts of each property over its date range (or ranges), all in one
    transaction."""
    totals = {"ranges": 0, "night_rows": 0, "booking_rows": 0, "stays": 0}
    with transaction.atomic():
        _lock(ranges)
        for property_id, found in sorted(ranges.items()):
            for first, last in [found] if isinstance(found, tuple) else found:
                totals["ranges"] += 1
                for key, value in _rebuild_range(property_id, first, last).items():
                    totals[key] += value
    return totals


def facts_rebuild(
    *,
    property_ids: Iterable[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
) -> dict:
    """Rebuild the facts of every property (or those given) over every date its stays
    count on, or over ``start``..``end``: idempotent, one transaction, so the reports
    see the old facts until the new ones are complete.  Returns counts and seconds."""
    began = time.monotonic()
    stays = Stay.objects.all()
    if property_ids is not None:
        stays = stays.filter(property_id__in=list(property_ids))
    bounds = stays.values("property_id").annotate(first=Min("arrival_date"), last=Max("departure_date"))
    ranges = {}
    for row in bounds:
        first = start or row["first"]
        last = end or row["last"]  # a day use counts on its departure (= arrival) date
        if first <= last:
            ranges[row["property_id"]] = (first, last)
    whole = start is None and end is None
    totals = {"ranges": len(ranges), "night_rows": 0, "booking_rows": 0, "stays": 0}
    with transaction.atomic():
        # The whole chain's rebuild holds every property (the journeys are chain-wide).
        _lock(ranges if property_ids is not None else Property.objects.values_list("pk", flat=True))
        if whole:
            # Facts of a property with no stay left, or of dates no stay counts on any more.
            for model in (NightFact, BookingFact, StaySpan):
                rows = model.objects.all()
                if property_ids is not None:
                    rows = rows.filter(property_id__in=list(property_ids))
                rows.delete()
        first_stays = None if connection.vendor == "postgresql" and not _force_python else _first_stays(None)
        for property_id, (first, last) in sorted(ranges.items()):
            for key, value in _rebuild_range(property_id, first, last, first_stays, whole=whole).items():
                totals[key] += value
        if property_ids is None:
            totals.update(journeys_rebuild())
    if connection.vendor == "postgresql":
        # Fresh statistics: planned on the empty tables' numbers, a year's report sorted
        # half a million rows on disk instead of hashing them.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE performance_nightfact, performance_bookingfact, performance_stayspan, "
                "performance_journeystay, performance_guestratefact, performance_cohortfact"
            )
    totals["seconds"] = round(time.monotonic() - began, 3)
    if as_of is not None:  # the nightly run's date, for its step row
        totals["as_of"] = as_of.isoformat()
    return totals
