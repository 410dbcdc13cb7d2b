"""Writing validated stays: the one upsert every stay write ends in.

Rules it keeps, on every database:

* keyed by (property, confirmation number); a row without a guest keeps the stay's
  guest (a PMS resending a reservation rarely knows our guest id);
* only ``columns`` are written over an existing stay (an import whose file lacks a
  column leaves that column alone); a new stay takes every value;
* a row equal to the stored stay is not written at all, not even ``updated_at``;
* rows are written in (property, confirmation number) order, so two batches holding
  the same stays in any order lock them in the same order and cannot deadlock.

On PostgreSQL a batch is ``COPY``-ed into a temporary table and merged with one
``INSERT ... ON CONFLICT DO UPDATE ... WHERE (stored) IS DISTINCT FROM (incoming)
RETURNING``; elsewhere (SQLite) the ORM compares with the stored rows.
"""

from __future__ import annotations

import datetime as dt
import operator
import zlib
from collections.abc import Sequence

from django.db import connection

from crm_site import pgcopy

from ..models import Stay
from .stay_rows import ACCOUNT_FIELDS, STAY_FIELDS

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
Key = tuple[int, str]


def _column(field: str) -> str:
    return Stay._meta.get_field(field).column


def write_stays(stays: Sequence[Stay], *, columns: Sequence[str], now: dt.datetime) -> dict[Key, tuple[int, str]]:
    """Upsert ``stays`` (validated, unsaved, keys unique); ``{key: (id, status)}``.

    The caller holds the transaction (and sends ``stays_upserted``)."""
    if not stays:
        return {}
    ordered = sorted(stays, key=lambda s: (s.property.pk, s.confirmation_number))
    if connection.vendor == "postgresql":
        return _write_postgres(ordered, columns=columns, now=now)
    return _write_orm(ordered, columns=columns, now=now)


# --- PostgreSQL ---------------------------------------------------------------------------------

_COPY_COLUMNS = ["property_id", "confirmation_number", *(_column(f) for f in STAY_FIELDS)]
_COPY_ATTRS = operator.attrgetter(
    *["property_id", "confirmation_number", *(Stay._meta.get_field(f).attname for f in STAY_FIELDS)]
)
# A session's staging table, emptied at every commit.  Its name carries the column list,
# so a process that outlives a migration never copies into a stale shape.
_BATCH_TABLE = "guests_stay_batch_%08x" % zlib.crc32(",".join(_COPY_COLUMNS).encode())


# Columns a row without a value leaves as stored (the guest, the attribution).
KEPT_WHEN_EMPTY = ("guest", *ACCOUNT_FIELDS)


def _upsert_sql(columns: Sequence[str]) -> str:
    quoted = ", ".join(f'"{c}"' for c in _COPY_COLUMNS)
    updates = [_column(f) for f in columns if f not in KEPT_WHEN_EMPTY]
    kept = {_column(f): f'COALESCE(EXCLUDED."{_column(f)}", guests_stay."{_column(f)}")' for f in KEPT_WHEN_EMPTY}
    assignments = [f'"{c}" = EXCLUDED."{c}"' for c in updates]
    assignments += [f'"{c}" = {value}' for c, value in kept.items()] + ['"updated_at" = EXCLUDED."updated_at"']
    stored = ", ".join([*(f'guests_stay."{c}"' for c in updates), *(f'guests_stay."{c}"' for c in kept)])
    incoming = ", ".join([*(f'EXCLUDED."{c}"' for c in updates), *kept.values()])
    return f"""
        INSERT INTO guests_stay ({quoted}, "created_at", "updated_at")
        SELECT {quoted}, %s, %s FROM {_BATCH_TABLE} ORDER BY "property_id", "confirmation_number"
        ON CONFLICT ("property_id", "confirmation_number") DO UPDATE SET {", ".join(assignments)}
        WHERE ({stored}) IS DISTINCT FROM ({incoming})
        RETURNING "id", "property_id", "confirmation_number", (xmax = 0)
    """


def _write_postgres(stays: list[Stay], *, columns, now) -> dict[Key, tuple[int, str]]:
    quoted = ", ".join(f'"{c}"' for c in _COPY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_BATCH_TABLE} ON COMMIT DELETE ROWS AS "
            f"SELECT {quoted} FROM guests_stay WITH NO DATA; DELETE FROM {_BATCH_TABLE}"
        )
        pgcopy.copy_text_rows(cursor, _BATCH_TABLE, _COPY_COLUMNS, map(_COPY_ATTRS, stays))
        cursor.execute(_upsert_sql(columns), [now, now])
        written = {(p, c): (pk, CREATED if inserted else UPDATED) for pk, p, c, inserted in cursor.fetchall()}
        if len(written) < len(stays):
            # The rest were equal to what is stored: their ids, for the report.
            cursor.execute(
                f'SELECT s."id", s."property_id", s."confirmation_number" FROM guests_stay s '
                f'JOIN {_BATCH_TABLE} b USING ("property_id", "confirmation_number")'
            )
            for pk, p, c in cursor.fetchall():
                written.setdefault((p, c), (pk, UNCHANGED))
    return written


# --- Other databases (SQLite) --------------------------------------------------------------------


def _stored(stays: list[Stay], attnames: list[str]) -> dict[Key, Stay]:
    return {
        (s.property_id, s.confirmation_number): s
        for s in Stay.objects.filter(
            property_id__in={s.property.pk for s in stays},
            confirmation_number__in={s.confirmation_number for s in stays},
        ).only("id", "property_id", "confirmation_number", *attnames)
    }


def _apply(stored: Stay, stay: Stay, attnames: list[str]) -> bool:
    """Copy the incoming values onto the stored stay; whether anything differed."""
    for name in KEPT_WHEN_EMPTY:
        attname = f"{name}_id"
        if getattr(stay, attname) is None:
            setattr(stay, attname, getattr(stored, attname))
    differs = False
    for name in attnames:
        incoming = getattr(stay, name)
        if getattr(stored, name) != incoming:
            setattr(stored, name, incoming)
            differs = True
    return differs


def _write_orm(stays: list[Stay], *, columns, now) -> dict[Key, tuple[int, str]]:
    attnames = [Stay._meta.get_field(f).attname for f in {*columns, *KEPT_WHEN_EMPTY}]
    stored_by_key = _stored(stays, attnames)
    new, changed, result = [], [], {}
    for stay in stays:
        key = (stay.property.pk, stay.confirmation_number)
        stored = stored_by_key.get(key)
        if stored is None:
            stay.created_at = stay.updated_at = now
            new.append(stay)
        elif _apply(stored, stay, attnames):
            stored.updated_at = now
            changed.append(stored)
            result[key] = (stored.pk, UPDATED)
        else:
            result[key] = (stored.pk, UNCHANGED)
    if new:
        Stay.objects.bulk_create(new, batch_size=1000)
    if changed:
        Stay.objects.bulk_update(changed, [*attnames, "updated_at"], batch_size=500)
    result.update(_created_ids(new))
    return result


def _created_ids(new: list[Stay]) -> dict[Key, tuple[int, str]]:
    if all(s.pk for s in new):
        return {(s.property.pk, s.confirmation_number): (s.pk, CREATED) for s in new}
    # SQLite < 3.35 returns no ids from a bulk insert: look them up by key, per property
    # (a cross product of codes and numbers would catch other stays).
    numbers_by_property: dict[int, set[str]] = {}
    for stay in new:
        numbers_by_property.setdefault(stay.property.pk, set()).add(stay.confirmation_number)
    result = {}
    for property_id, numbers in numbers_by_property.items():
        for pk, number in Stay.objects.filter(property_id=property_id, confirmation_number__in=numbers).values_list(
            "pk", "confirmation_number"
        ):
            result[(property_id, number)] = (pk, CREATED)
    return result
