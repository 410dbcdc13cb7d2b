"""The facts kept by difference on every stay write: what ``stays_upserted`` calls.

Rules:

* the facts are the sum of the stays' snapshots (``StayFact``); a refresh recomputes the
  snapshots of the written stays and of every stay of their guests, old and new, whose
  first realised arrival in the chain moved (now against what the snapshots counted:
  which of a guest's stays are *repeat* stays, anywhere in the chain, follows from it),
  and moves ``NightFact`` and ``BookingFact`` by the new snapshots minus the old — only
  the cells whose sums change, whatever the history;
* a fact row lives exactly while a stay counts in it (``stays``, ``bookings``): the rows
  the difference brings to zero are deleted, the keys it brings in are inserted;
* the rollups (``NightDay``, ``BookingDay``, ``SourceDay``) move by the same difference,
  summed over the key each keeps;
* the difference is staged in a temporary table (COPY on PostgreSQL) and merged with one
  ``UPDATE … FROM``, one ``INSERT`` of the keys not found and one ``DELETE`` per table, so a
  refresh runs the same statements for 2 stays as for 500;
* one transaction holding every property row (in id order, as the rebuild and the
  journeys do): two refreshes never subtract the same snapshot twice, and running one
  again finds nothing to move (idempotent, safe to retry).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Min, Q

from crm_site import pgcopy
from guests.models import Stay

from ..models import SOURCE_DIMENSIONS, BookingFact, NightFact, SourceDay, StatusClass, StayFact
from .facts import (
    BOOKING_KEY,
    BOOKING_SUMS,
    NIGHT_KEY,
    NIGHT_SUMS,
    ROLLUPS,
    SNAPSHOT_COLUMNS,
    STAY_COLUMNS,
    FactSums,
    first_stays,
    insert_rows,
    lock_properties,
    stay_snapshot,
)

_TYPES = {
    "property_id": "bigint",
    "stay_date": "date",
    "arrival_date": "date",
    "booking_month": "date",
    "lead_bucket": "integer",
    "los": "integer",
    "is_repeat": "boolean",
}
# Key columns that may be NULL, matched as equal when both are.
_NULLABLE = {"booking_month", "lead_bucket"}


class _Table:
    """A fact table, its key and sums (amounts staged in cents) and its counter."""

    def __init__(self, name: str, key: tuple[str, ...], sums: tuple[str, ...], amounts: tuple[str, ...]):
        self.name, self.key, self.sums, self.amounts = name, key, sums, amounts
        self.stage = f"perf_delta_{name.removeprefix('performance_')}"
        self.counter = sums[0]

    def _match(self, left: str, right: str) -> str:
        def equal(c: str) -> str:
            same = f"{left}.{c} = {right}.{c}"
            return f"({same} OR ({left}.{c} IS NULL AND {right}.{c} IS NULL))" if c in _NULLABLE else same

        return " AND ".join(equal(c) for c in self.key)

    def _value(self, column: str) -> str:
        return f"d.{column} / 100.0" if column in self.amounts else f"d.{column}"

    def statements(self) -> list[str]:
        columns = (*self.key, *self.sums)
        sets = ", ".join(
            f"{c} = ROUND(f.{c} + d.{c} / 100.0, 2)" if c in self.amounts else f"{c} = f.{c} + d.{c}" for c in self.sums
        )
        return [
            f"UPDATE {self.name} AS f SET {sets} FROM {self.stage} AS d WHERE {self._match('f', 'd')}",
            # A scalar subquery, looked up row by row in the (property, date) index: PostgreSQL
            # turns NOT EXISTS into an anti join hashing the whole table (0.3 s at 400 k rows).
            f"INSERT INTO {self.name} ({', '.join(columns)}) SELECT {', '.join(self._value(c) for c in columns)} "
            f"FROM {self.stage} AS d "
            f"WHERE (SELECT 1 FROM {self.name} AS f WHERE {self._match('f', 'd')} LIMIT 1) IS NULL",
            # The rows the difference emptied: only this refresh's (it holds every property),
            # found through a partial index of the empty rows.
            f"DELETE FROM {self.name} WHERE {self.counter} = 0",
        ]

    def create_stage(self) -> str:
        columns = ", ".join(f"{c} {_TYPES.get(c, 'varchar(40)' if c in self.key else 'bigint')}" for c in self.key)
        sums = ", ".join(f"{c} bigint" for c in self.sums)
        return f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.stage} ({columns}, {sums})"

    def apply(self, cursor, rows: list[tuple]) -> None:
        if not rows:
            return
        cursor.execute(self.create_stage())
        # TRUNCATE on PostgreSQL: a temporary table is never vacuumed, DELETE would leave
        # every earlier refresh's rows behind for the merge to read past.
        cursor.execute(f"{'TRUNCATE' if connection.vendor == 'postgresql' else 'DELETE FROM'} {self.stage}")
        columns = (*self.key, *self.sums)
        if connection.vendor == "postgresql":
            pgcopy.copy_text_rows(cursor, self.stage, columns, rows)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {self.stage} ({', '.join(columns)}) VALUES ({marks})", rows)
        for sql in self.statements():
            cursor.execute(sql)


def _summed(keyed, width: int) -> list[tuple]:
    """(key, sums) pairs added up by key, the keys whose sums are all zero left out."""
    totals: dict[tuple, list[int]] = {}
    for key, values in keyed:
        found = totals.setdefault(key, [0] * width)
        for i, value in enumerate(values):
            found[i] += value
    return [(*key, *values) for key, values in totals.items() if any(values)]


class _Rollup(_Table):
    """A rollup of a fact table: the table's difference summed over the key it keeps."""

    def __init__(self, model, key: tuple[str, ...], base: _Table):
        super().__init__(model._meta.db_table, key, base.sums, base.amounts)
        self.positions = [base.key.index(c) for c in key]
        self.width = len(base.key)

    def project(self, rows: list[tuple]) -> list[tuple]:
        return _summed(((tuple(row[i] for i in self.positions), row[self.width :]) for row in rows), len(self.sums))


class _BySource(_Table):
    """``SourceDay``: the booking facts' difference summed by one dimension at a time."""

    def __init__(self, base: _Table):
        key = ("property_id", "arrival_date", "dimension", "value", "status_class")
        super().__init__(SourceDay._meta.db_table, key, base.sums, base.amounts)
        self.width, self.status = len(base.key), base.key.index("status_class")
        self.dimensions = [(d, base.key.index(d)) for d in SOURCE_DIMENSIONS]

    def _keyed(self, rows: list[tuple]):
        for row in rows:
            for dimension, i in self.dimensions:
                value = ("1" if row[i] else "0") if dimension == "is_repeat" else row[i]
                yield (row[0], row[1], dimension, value, row[self.status]), row[self.width :]

    def project(self, rows: list[tuple]) -> list[tuple]:
        return _summed(self._keyed(rows), len(self.sums))


NIGHTS = _Table("performance_nightfact", NIGHT_KEY, NIGHT_SUMS, NIGHT_SUMS[2:])
BOOKINGS = _Table("performance_bookingfact", BOOKING_KEY, BOOKING_SUMS, BOOKING_SUMS[4:])
NIGHT_ROLLUPS = [_Rollup(model, key, NIGHTS) for model, key in ROLLUPS[NightFact]]
BOOKING_ROLLUPS = [*(_Rollup(model, key, BOOKINGS) for model, key in ROLLUPS[BookingFact]), _BySource(BOOKINGS)]


def _guests(stay_ids: list[int]) -> list[int]:
    """The guests of these stays now and in their snapshots."""
    now = Stay.objects.filter(pk__in=stay_ids, guest_id__isnull=False).order_by().values_list("guest_id", flat=True)
    before = StayFact.objects.filter(stay_id__in=stay_ids, guest_id__isnull=False).order_by().values_list("guest_id")
    return sorted(set(now.union(before)))


def _affected(stay_ids: list[int]) -> tuple[list[dict], dict[int, tuple], dict]:
    """The stays to recount, as they are now and as their snapshots say, and their guests'
    first realised arrivals: the given stays, and every stay of a guest whose first
    realised arrival moved (those of its stays that are repeat stays change).  Plain id
    lists, so each read is an index lookup (``IN (subquery) OR …`` scans the stays)."""
    guests = _guests(stay_ids)
    first = first_stays(set(guests))
    counted = dict(
        StayFact.objects.filter(guest_id__in=guests, status_class=StatusClass.REALISED)
        .order_by()
        .values("guest_id")
        .annotate(first=Min("arrival_date"))
        .values_list("guest_id", "first")
    )
    moved = [g for g in guests if first.get(g) != counted.get(g)]
    stays = list(Stay.objects.filter(Q(pk__in=stay_ids) | Q(guest_id__in=moved)).order_by().values(*STAY_COLUMNS))
    snapshots = {
        row[0]: row
        for row in StayFact.objects.filter(Q(stay_id__in=stay_ids) | Q(guest_id__in=moved))
        .order_by()
        .values_list(*SNAPSHOT_COLUMNS)
    }
    # A stay of these guests counted for another guest, or the other way round (a move no
    # write announced, as a merge): read its other half too.
    given, found = set(stay_ids), {s["id"] for s in stays}
    if unsnapped := found - snapshots.keys() - given:
        rows = StayFact.objects.filter(stay_id__in=unsnapped).values_list(*SNAPSHOT_COLUMNS)
        snapshots.update((row[0], row) for row in rows)
    if unread := snapshots.keys() - found - given:
        stays += Stay.objects.filter(pk__in=unread).order_by().values(*STAY_COLUMNS)
    if others := {s["guest_id"] for s in stays if s["guest_id"]} - set(guests):
        first.update(first_stays(others))
    return stays, snapshots, first


def facts_refresh_stays(*, stay_ids: list[int]) -> dict:
    """Move the facts by what these stays (and their guests' other stays) count for now
    minus what their snapshots say they counted for; replace those snapshots."""
    ids = sorted({int(pk) for pk in stay_ids})
    if not ids:
        return {"stays": 0}
    with transaction.atomic():
        lock_properties()
        stays, old, first = _affected(ids)
        new = {s["id"]: stay_snapshot(s, first) for s in stays}
        changed = sorted(pk for pk in old.keys() | new.keys() if old.get(pk) != new.get(pk))
        delta = FactSums()
        for pk in changed:
            if pk in old:
                delta.add(old[pk], -1)
            if pk in new:
                delta.add(new[pk])
        nights, bookings = list(delta.night_rows(money=False)), list(delta.booking_rows(money=False))
        with connection.cursor() as cursor:
            NIGHTS.apply(cursor, nights)
            BOOKINGS.apply(cursor, bookings)
            for rollup in NIGHT_ROLLUPS:
                rollup.apply(cursor, rollup.project(nights))
            for rollup in BOOKING_ROLLUPS:
                rollup.apply(cursor, rollup.project(bookings))
        if changed:
            StayFact.objects.filter(stay_id__in=changed).delete()
            insert_rows(StayFact, SNAPSHOT_COLUMNS, [new[pk] for pk in changed if pk in new])
    return {"stays": len(stays), "changed": len(changed), "night_cells": len(nights), "booking_cells": len(bookings)}
