"""Building the daily facts from stays: the one writer of ``NightFact``,
``BookingFact`` and ``StayFact``.

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
* what a stay contributes is kept as its snapshot (``StayFact``): the facts are the sum
  of the snapshots, rebuilt here (all of them at night, or a property × date range) and
  moved by the difference between a changed stay's old and new snapshot on every stay
  write (``facts_delta``);
* a rebuild holds the property rows (``select_for_update``, in id order, as a refresh
  does), so two writers never interleave and a reader sees the old facts or the new,
  never half.
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
from ..models import (
    SOURCE_DIMENSIONS,
    ArrivalDay,
    BookingDay,
    BookingFact,
    NightDay,
    NightFact,
    SourceDay,
    StatusClass,
    StayFact,
)
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
STAY_COLUMNS = (
    "id",
    "property_id",
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
# A stay's snapshot (``StayFact``), in this order; the amounts are cents.
SNAPSHOT_COLUMNS = (
    "stay_id",
    "property_id",
    "guest_id",
    "arrival_date",
    "last_date",
    "nights",
    "booking_month",
    "lead_bucket",
    "los",
    "lead_time_days",
    *DIMENSIONS,
    "room_cents",
    "fnb_cents",
    "other_cents",
    "lost_cents",
)
_DIMS = slice(10, 19)
_AMOUNTS = slice(19, 23)
NIGHT_KEY = ("property_id", "stay_date", *DIMENSIONS)
NIGHT_SUMS = ("stays", "room_nights", "room_revenue", "fnb_revenue", "other_revenue", "lost_revenue")
BOOKING_KEY = ("property_id", "arrival_date", "booking_month", "lead_bucket", "los", *DIMENSIONS)
BOOKING_SUMS = ("bookings", "room_nights", "lead_time_sum", "lead_time_known", "room_revenue", "lost_revenue")
# The rollups kept with each fact table: the key columns they keep, sums as the table's.
ROLLUPS = {
    NightFact: ((NightDay, ("property_id", "stay_date", "status_class")),),
    BookingFact: (
        (BookingDay, ("property_id", "arrival_date", "booking_month", "lead_bucket", "los", "status_class")),
        (ArrivalDay, ("property_id", "arrival_date", "status_class")),
    ),
}
# Which of the sums are amounts (kept in cents until they are written).
NIGHT_CENTS = (False, False, True, True, True, True)
BOOKING_CENTS = (False, False, False, False, True, True)


def stay_span(arrival: dt.date, departure: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a stay counts on: its nights, or its arrival for a day use."""
    return arrival, max(departure - DAY, arrival)


def _cents(amount, rate) -> int:
    return int((Decimal(amount) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


def is_repeat(s: dict, first_stays: dict[int, dt.date]) -> bool:
    if s["is_repeated_guest"] or s["previous_bookings_not_canceled"]:
        return True
    first = first_stays.get(s["guest_id"]) if s["guest_id"] else None
    return first is not None and first < s["arrival_date"]


def stay_snapshot(s: dict, first_stays: dict[int, dt.date]) -> tuple:
    """What the stay (a row of ``STAY_COLUMNS``) contributes, as a ``StayFact`` row;
    ``first_stays`` holds its guest's first realised arrival in the chain."""
    rate, booked, lead = s["exchange_rate"], s["booking_date"], s["lead_time_days"]
    return (
        s["id"],
        s["property_id"],
        s["guest_id"],
        s["arrival_date"],
        stay_span(s["arrival_date"], s["departure_date"])[1],
        s["nights"],
        booked.replace(day=1) if booked else None,
        lead_bucket(lead),
        min(s["nights"], MAX_LOS),
        lead,
        s["channel"],
        s["distribution_channel"],
        s["market_segment"],
        s["country"],
        s["customer_type"],
        s["agent_code"],
        s["company_code"],
        STATUS_CLASS[s["status"]].value,
        is_repeat(s, first_stays),
        _cents(s["room_revenue"], rate),
        _cents(s["fnb_revenue"], rate),
        _cents(s["other_revenue"], rate),
        int(Decimal(s["lost_revenue_chain"] or 0) * 100),
    )


class FactSums:
    """Night and booking sums keyed by the facts' keys, added up snapshot by snapshot
    (``sign`` −1 takes one out), over ``first``..``last`` (every date: None)."""

    def __init__(self, first: dt.date | None = None, last: dt.date | None = None):
        self.first, self.last = first or dt.date.min, last or dt.date.max
        self.nights: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(NIGHT_SUMS))
        self.bookings: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(BOOKING_SUMS))

    def add(self, snap: tuple, sign: int = 1) -> None:
        property_id, arrival, last, nights = snap[1], snap[3], snap[4], snap[5]
        dims = snap[_DIMS]
        count = (last - arrival).days + 1
        room_night = sign if nights else 0
        shares = [divmod(a, count) for a in snap[_AMOUNTS]]
        day = max(arrival, self.first)
        while day <= min(last, self.last):
            row = self.nights[(property_id, day, *dims)]
            row[0] += sign
            row[1] += room_night
            first_night = day == arrival
            for i, (base, rest) in enumerate(shares):
                row[i + 2] += sign * (base + (rest if first_night else 0))
            day += DAY
        if self.first <= arrival <= self.last:
            lead = snap[9]
            row = self.bookings[(property_id, arrival, snap[6], snap[7], snap[8], *dims)]
            for i, value in enumerate(
                (1, nights, lead or 0, 0 if lead is None else 1, snap[19], snap[22])  # room and lost cents
            ):
                row[i] += sign * value

    @staticmethod
    def _rows(sums: dict, cents: tuple[bool, ...], money: bool) -> Iterable[tuple]:
        for key, values in sums.items():
            if any(values):
                yield (*key, *[_money(v) if money and c else v for v, c in zip(values, cents, strict=True)])

    def night_rows(self, *, money: bool = True) -> Iterable[tuple]:
        """``NIGHT_KEY + NIGHT_SUMS`` rows (amounts in cents unless ``money``), all-zero ones left out."""
        return self._rows(self.nights, NIGHT_CENTS, money)

    def booking_rows(self, *, money: bool = True) -> Iterable[tuple]:
        return self._rows(self.bookings, BOOKING_CENTS, money)


def first_stays(guest_ids: set[int] | None) -> dict[int, dt.date]:
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


def _overlapping_snapshots(property_id: int, first: dt.date, last: dt.date):
    return StayFact.objects.filter(
        property_id=property_id, arrival_date__range=(earliest_arrival(first), last), last_date__gte=first
    )


def insert_rows(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
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
    property_id: int, first: dt.date, last: dt.date, first_stays_by_guest: dict | None = None, *, whole: bool = False
) -> dict:
    """Replace the facts of one property over ``first``..``last`` and the snapshots of
    the stays counting on those dates (inside the caller's transaction, the property row
    held).  A range trusts the facts outside it: the stays counting on both sides of it
    keep their old nights there (the whole rebuild is the one that repairs)."""
    NightFact.objects.filter(property_id=property_id, stay_date__range=(first, last)).delete()
    BookingFact.objects.filter(property_id=property_id, arrival_date__range=(first, last)).delete()
    snapshots = StayFact.objects.filter(property_id=property_id)
    (snapshots if whole else _overlapping_snapshots(property_id, first, last)).delete()
    if connection.vendor == "postgresql" and not _force_python:
        return rebuild_range_sql(property_id, first, last)
    stays = _overlapping(property_id, first, last).values(*STAY_COLUMNS)
    if first_stays_by_guest is None:
        guests = set(stays.filter(guest_id__isnull=False).values_list("guest_id", flat=True).distinct())
        first_stays_by_guest = first_stays(guests)
    sums = FactSums(first, last)
    snaps = []
    for stay in stays.iterator(chunk_size=5000):
        snaps.append(stay_snapshot(stay, first_stays_by_guest))
        sums.add(snaps[-1])
    StayFact.objects.filter(stay_id__in=[s[0] for s in snaps]).delete()  # a stay moved from another hotel
    nights = insert_rows(NightFact, NIGHT_KEY + NIGHT_SUMS, sums.night_rows())
    bookings = insert_rows(BookingFact, BOOKING_KEY + BOOKING_SUMS, sums.booking_rows())
    insert_rows(StayFact, SNAPSHOT_COLUMNS, snaps)
    return {"night_rows": nights, "booking_rows": bookings, "stays": len(snaps)}


def _rebuild_rollups(property_id: int, first: dt.date, last: dt.date) -> None:
    """Sum the rollups of one property over ``first``..``last`` from its facts (the same
    statement on every database)."""
    with connection.cursor() as cursor:
        for base, sums in ((NightFact, NIGHT_SUMS), (BookingFact, BOOKING_SUMS)):
            for model, key in ROLLUPS[base]:
                date = key[1]
                model.objects.filter(property_id=property_id, **{f"{date}__range": (first, last)}).delete()
                columns = ", ".join(key)
                cursor.execute(
                    f"INSERT INTO {model._meta.db_table} ({columns}, {', '.join(sums)}) "
                    f"SELECT {columns}, {', '.join(f'SUM({c})' for c in sums)} FROM {base._meta.db_table} "
                    f"WHERE property_id = %s AND {date} BETWEEN %s AND %s GROUP BY {columns}",
                    [property_id, first, last],
                )


def source_value_sql(dimension: str) -> str:
    """A dimension's value as ``SourceDay.value`` holds it (the same on every database)."""
    return "CASE WHEN is_repeat THEN '1' ELSE '0' END" if dimension == "is_repeat" else dimension


def _rebuild_sources(property_id: int, first: dt.date, last: dt.date) -> None:
    """``SourceDay`` of one property over ``first``..``last``, summed from its booking facts."""
    SourceDay.objects.filter(property_id=property_id, arrival_date__range=(first, last)).delete()
    sums = ", ".join(f"SUM({c})" for c in BOOKING_SUMS)
    parts = [
        f"SELECT property_id, arrival_date, '{d}', {source_value_sql(d)}, status_class, {sums} "
        "FROM performance_bookingfact WHERE property_id = %s AND arrival_date BETWEEN %s AND %s "
        f"GROUP BY property_id, arrival_date, {source_value_sql(d)}, status_class"
        for d in SOURCE_DIMENSIONS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO performance_sourceday (property_id, arrival_date, dimension, value, status_class, "
            f"{', '.join(BOOKING_SUMS)}) " + " UNION ALL ".join(parts),
            [property_id, first, last] * len(parts),
        )


# What the reports read, vacuumed after a rebuild outside a transaction (the rebuild
# deleted every old row); the other tables only analysed.
_READ_TABLES = (NightFact, BookingFact, NightDay, BookingDay, ArrivalDay, SourceDay)
_KEPT_TABLES = (
    "performance_stayfact",
    "performance_journeystay",
    "performance_guestratefact",
    "performance_cohortfact",
)


def _tidy() -> None:
    """Fresh statistics (planned on the empty tables' numbers, a year's report sorted half
    a million rows on disk instead of hashing them) and, when the rebuild committed on its
    own, the old rows cleared from the tables the reports scan."""
    read = ", ".join(model._meta.db_table for model in _READ_TABLES)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {read}, {', '.join(_KEPT_TABLES)}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {read}")
            cursor.execute(f"ANALYZE {', '.join(_KEPT_TABLES)}")


def lock_properties(property_ids: Iterable[int] | None = None) -> None:
    """Hold these property rows (every one: None) in id order, as every writer of the facts does."""
    rows = Property.objects.all() if property_ids is None else Property.objects.filter(pk__in=sorted(set(property_ids)))
    list(rows.select_for_update().order_by("pk").values("pk"))


def facts_rebuild(
    *,
    property_ids: Iterable[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
) -> dict:
    """Rebuild the facts and the snapshots of every property (or those given) over every
    date its stays count on, or over ``start``..``end``: idempotent, one transaction, so
    the reports see the old facts until the new ones are complete.  Returns counts and
    seconds."""
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
        lock_properties(ranges if property_ids is not None else None)
        if whole:
            # Facts of a property with no stay left, or of dates no stay counts on any more.
            for model in (NightFact, BookingFact, NightDay, BookingDay, ArrivalDay, SourceDay, StayFact):
                rows = model.objects.all()
                if property_ids is not None:
                    rows = rows.filter(property_id__in=list(property_ids))
                rows.delete()
        first_by_guest = None if connection.vendor == "postgresql" and not _force_python else first_stays(None)
        for property_id, (first, last) in sorted(ranges.items()):
            for key, value in _rebuild_range(property_id, first, last, first_by_guest, whole=whole).items():
                totals[key] += value
            _rebuild_rollups(property_id, first, last)
            _rebuild_sources(property_id, first, last)
        if property_ids is None:
            totals.update(journeys_rebuild())
    if connection.vendor == "postgresql":
        _tidy()
    totals["seconds"] = round(time.monotonic() - began, 3)
    if as_of is not None:  # the nightly run's date, for its step row
        totals["as_of"] = as_of.isoformat()
    return totals
