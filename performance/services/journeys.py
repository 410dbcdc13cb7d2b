"""Guest journeys: the one writer of ``JourneyStay``, ``GuestRateFact`` and ``CohortFact``,
what the guest-level rates read.

Rules:

* a guest's journey is their realised stays (checked out or in house, the facts'
  *realised* class) in the chain, ordered by arrival date, then stay id;
* each stay keeps the month of the guest's stay before it and of the one before that,
  in the chain and at its own hotel, the guest's first arrival and next arrival:
  distinct guests of any run of months, the guests with two stays or more in it and the
  guests who had stayed before are then sums of ``GuestRateFact`` cells (month × month of
  the stay before), never a scan of the stays;
* the journeys are built by one ``INSERT … SELECT`` with window functions (the ORM
  compiles the same query for PostgreSQL and SQLite), all of them at night
  (``journeys_rebuild``) or those of the guests whose stays changed (``journeys_refresh``),
  which subtracts the guests' old cells from the sums and adds their new ones;
* a refresh holds every property row (in id order, as the facts do), so two refreshes
  never add to the same sums at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Min, Q, Value, Window
from django.db.models.functions import ExtractMonth, ExtractYear, Lag, Lead, RowNumber

from guests.models import Property, Stay

from ..models import NO_MONTH, CohortFact, GuestRateFact, JourneyStay

REALISED_STATUSES = (Stay.Status.CHECKED_OUT, Stay.Status.IN_HOUSE)  # StatusClass.REALISED (facts.STATUS_CLASS)
CONVERSION_DAYS = 365
CHAIN = 0  # GuestRateFact.scope_id of the whole chain
_CHUNK = 2000
_JOURNEY_COLUMNS = (
    "stay_id",
    "guest_id",
    "property_id",
    "arrival_date",
    "departure_date",
    "arrival_month",
    "seq",
    "first_arrival",
    "next_arrival",
    "chain_prev",
    "chain_prev2",
    "hotel_prev",
    "hotel_prev2",
)


def month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(number: int) -> dt.date:
    return dt.date(number // 12, number % 12 + 1, 1)


def _journeys(guest_ids: list[int] | None):
    """The journey rows of the guests' realised stays (every guest: None), as a query."""
    month = ExpressionWrapper(
        ExtractYear("arrival_date") * 12 + ExtractMonth("arrival_date") - 1, output_field=IntegerField()
    )
    order = [F("arrival_date").asc(), F("id").asc()]
    chain, hotel = [F("guest_id")], [F("guest_id"), F("property_id")]

    def lag(offset, partition):
        return Window(Lag(month, offset=offset, default=Value(NO_MONTH)), partition_by=partition, order_by=order)

    stays = Stay.objects.filter(status__in=REALISED_STATUSES, guest_id__isnull=False)
    if guest_ids is not None:
        stays = stays.filter(guest_id__in=guest_ids)
    return stays.order_by().annotate(
        j_stay_id=F("id"),
        j_guest_id=F("guest_id"),
        j_property_id=F("property_id"),
        j_arrival_date=F("arrival_date"),
        j_departure_date=F("departure_date"),
        j_arrival_month=month,
        j_seq=Window(RowNumber(), partition_by=chain, order_by=order),
        j_first_arrival=Window(Min("arrival_date"), partition_by=chain),
        j_next_arrival=Window(Lead("arrival_date"), partition_by=chain, order_by=order),
        j_chain_prev=lag(1, chain),
        j_chain_prev2=lag(2, chain),
        j_hotel_prev=lag(1, hotel),
        j_hotel_prev2=lag(2, hotel),
    )


def _insert_journeys(guest_ids: list[int] | None) -> int:
    query = _journeys(guest_ids).values(*[f"j_{c}" for c in _JOURNEY_COLUMNS])
    sql, params = query.query.sql_with_params()
    columns = ", ".join(_JOURNEY_COLUMNS)
    outer = ", ".join(f"x.j_{c}" for c in _JOURNEY_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"INSERT INTO {JourneyStay._meta.db_table} ({columns}) SELECT {outer} FROM ({sql}) x", params)
        return cursor.rowcount


def rate_cells(journeys) -> Counter:
    """``GuestRateFact`` cells of these journey rows: {(scope, month, lag, lag month,
    has earlier): stays}, for the chain and for each stay's hotel (four grouped queries)."""
    cells: Counter = Counter()
    earlier = Q(first_arrival__lt=F("arrival_date"))
    for scope, prev, prev2 in ((None, "chain_prev", "chain_prev2"), ("property_id", "hotel_prev", "hotel_prev2")):
        keys = ["arrival_month", prev] + ([scope] if scope else [])
        for row in journeys.order_by().values(*keys).annotate(n=Count("pk"), earlier=Count("pk", filter=earlier)):
            where = row[scope] if scope else CHAIN
            if row["n"] - row["earlier"]:
                cells[(where, row["arrival_month"], 1, row[prev], False)] += row["n"] - row["earlier"]
            if row["earlier"]:
                cells[(where, row["arrival_month"], 1, row[prev], True)] += row["earlier"]
        keys = ["arrival_month", prev2] + ([scope] if scope else [])
        for row in journeys.exclude(**{prev: NO_MONTH}).order_by().values(*keys).annotate(n=Count("pk")):
            cells[(row[scope] if scope else CHAIN, row["arrival_month"], 2, row[prev2], False)] += row["n"]
    return cells


def cohort_cells(journeys) -> Counter:
    """``CohortFact`` cells of these journey rows' first stays: {(month, hotel, departure):
    (guests, converted)} as two counters' worth in one (one grouped query)."""
    window = F("departure_date") + dt.timedelta(days=CONVERSION_DAYS)
    rows = (
        journeys.filter(seq=1)
        .order_by()
        .values("arrival_month", "property_id", "departure_date")
        .annotate(n=Count("pk"), converted=Count("pk", filter=Q(next_arrival__lte=window)))
    )
    cells: Counter = Counter()
    for r in rows:
        key = (r["arrival_month"], r["property_id"], r["departure_date"])
        cells[(*key, "guests")] += r["n"]
        cells[(*key, "converted")] += r["converted"]
    return cells


def _rate_rows(cells: Counter) -> Iterable[GuestRateFact]:
    for (scope, month, lag, lag_month, earlier), stays in cells.items():
        if stays:
            yield GuestRateFact(
                scope_id=scope, arrival_month=month, lag=lag, lag_month=lag_month, has_earlier=earlier, stays=stays
            )


def _cohort_rows(cells: Counter) -> Iterable[CohortFact]:
    keys = {key[:3] for key in cells}
    for month, prop, departure in keys:
        guests = cells[(month, prop, departure, "guests")]
        if guests:
            yield CohortFact(
                cohort_month=month,
                property_id=prop,
                first_departure=departure,
                guests=guests,
                converted=cells[(month, prop, departure, "converted")],
            )


def _lock_chain() -> None:
    """Every property row, in id order (the facts lock a subset in the same order)."""
    list(Property.objects.select_for_update().order_by("pk").values("pk"))


def journeys_rebuild() -> dict:
    """Rebuild every journey and both sums from the stays (inside the caller's
    transaction when there is one; the readers see the old sums until it commits)."""
    with transaction.atomic():
        _lock_chain()
        for model in (JourneyStay, GuestRateFact, CohortFact):
            model.objects.all().delete()
        stays = _insert_journeys(None)
        rates = GuestRateFact.objects.bulk_create(_rate_rows(rate_cells(JourneyStay.objects.all())), batch_size=2000)
        cohorts = CohortFact.objects.bulk_create(_cohort_rows(cohort_cells(JourneyStay.objects.all())), batch_size=2000)
    return {"journey_stays": stays, "rate_cells": len(rates), "cohort_cells": len(cohorts)}


def _delta(old: Counter, new: Counter) -> dict:
    delta = Counter(new)
    delta.subtract(old)
    return {key: n for key, n in delta.items() if n}


def _apply_rates(old: Counter, new: Counter) -> None:
    changed = _delta(old, new)
    q = Q()
    for scope, month in {key[:2] for key in changed}:
        q |= Q(scope_id=scope, arrival_month=month)
    existing = {
        (f.scope_id, f.arrival_month, f.lag, f.lag_month, f.has_earlier): f
        for f in (GuestRateFact.objects.filter(q) if changed else ())
    }
    removed, added, updated = [], [], []
    for key, n in changed.items():
        fact = existing.get(key)
        if fact is None:
            added.extend(_rate_rows(Counter({key: n})))
        elif fact.stays + n <= 0:
            removed.append(fact.pk)
        else:
            fact.stays += n
            updated.append(fact)
    # A bulk write of 500 stays moves hundreds of cells: a few statements, not one each.
    GuestRateFact.objects.filter(pk__in=removed).delete()
    GuestRateFact.objects.bulk_update(updated, ["stays"], batch_size=500)
    GuestRateFact.objects.bulk_create(added)


def _apply_cohorts(old: Counter, new: Counter) -> None:
    delta = _delta(old, new)
    keys = {key[:3] for key in delta}
    q = Q()
    for month, prop, departure in keys:
        q |= Q(cohort_month=month, property_id=prop, first_departure=departure)
    existing = {
        (f.cohort_month, f.property_id, f.first_departure): f for f in (CohortFact.objects.filter(q) if keys else ())
    }
    removed, added, updated = [], [], []
    for key in keys:
        fact = existing.get(key) or CohortFact(cohort_month=key[0], property_id=key[1], first_departure=key[2])
        fact.guests += delta.get((*key, "guests"), 0)
        fact.converted += delta.get((*key, "converted"), 0)
        if fact.pk and fact.guests <= 0:
            removed.append(fact.pk)
        elif fact.pk:
            updated.append(fact)
        elif fact.guests > 0:
            added.append(fact)
    CohortFact.objects.filter(pk__in=removed).delete()
    CohortFact.objects.bulk_update(updated, ["guests", "converted"], batch_size=500)
    CohortFact.objects.bulk_create(added)


def journeys_refresh(*, guest_ids: Iterable[int]) -> dict:
    """Rebuild the journeys of these guests and move the sums by the difference between
    their old cells and their new ones, in one transaction holding the property rows."""
    guests = sorted({int(g) for g in guest_ids if g is not None})
    if not guests:
        return {"guests": 0}
    totals = {"guests": len(guests), "journey_stays": 0}
    with transaction.atomic():
        _lock_chain()
        for first in range(0, len(guests), _CHUNK):
            chunk = guests[first : first + _CHUNK]
            mine = JourneyStay.objects.filter(guest_id__in=chunk)
            old_rates, old_cohorts = rate_cells(mine), cohort_cells(mine)
            mine.delete()
            totals["journey_stays"] += _insert_journeys(chunk)
            _apply_rates(old_rates, rate_cells(mine))
            _apply_cohorts(old_cohorts, cohort_cells(mine))
    return totals


def journeys_refresh_stays(*, stay_ids: list[int]) -> dict:
    """What ``stays_upserted`` calls: the journeys of the stays' guests now and of the
    guests the stays counted for before (a stay moved to another guest, or no longer
    realised)."""
    guests: set[int] = set()
    for first in range(0, len(stay_ids), 5000):
        chunk = stay_ids[first : first + 5000]
        guests.update(Stay.objects.filter(pk__in=chunk, guest_id__isnull=False).values_list("guest_id", flat=True))
        guests.update(JourneyStay.objects.filter(stay_id__in=chunk).values_list("guest_id", flat=True))
    return journeys_refresh(guest_ids=guests)
