"""Writing a run's output: per-guest rows (binary ``COPY`` into a partition of their own
on PostgreSQL, ``bulk_create`` in batches elsewhere), the Pareto figures, and removing
the rows of runs that are replaced or pruned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection

from crm_site import pgcopy

from .. import segmentation as calc
from ..models import GuestSegment, ParetoFigure, SegmentationRun

WRITE_CHUNK = 100_000  # guest rows per COPY statement
BULK_BATCH = 5_000  # rows per INSERT where COPY is not available
INDEX_BUILD_MEMORY = "256MB"  # PostgreSQL memory to sort a run's rows into its two indexes

GUEST_COLUMNS = [
    "run_id",
    "guest_id",
    "segment",
    "revenue",
    "stays",
    "nights",
    "recency_days",
    "first_stay",
    "last_stay",
    "rank",
    "r_score",
    "f_score",
    "m_score",
]


def _guest_columns(run_id: int, as_of: dt.date, chunk: pd.DataFrame) -> tuple[dict, dict]:
    """The table's columns as numpy arrays (revenue in cents, dates as datetime64[D]) and
    a NULL mask for the nullable ones."""
    base = np.datetime64(as_of, "D")
    recency = chunk["recency_days"].to_numpy(np.float64)
    first_gap = chunk["first_gap"].to_numpy(np.float64)
    no_recency, no_first = np.isnan(recency), np.isnan(first_gap)
    values = {
        "run_id": np.full(len(chunk), run_id, dtype=np.int64),
        "guest_id": chunk["guest_id"].to_numpy(np.int64),
        "segment": np.asarray(calc.SEGMENT_CODES, dtype=object)[chunk["segment"].to_numpy(np.int64)],
        "revenue": chunk["revenue"].to_numpy(np.int64),
        "stays": chunk["stays"].to_numpy(np.int64),
        "nights": chunk["nights"].to_numpy(np.int64),
        "recency_days": np.where(no_recency, 0, recency).astype(np.int64),
        "first_stay": base - np.where(no_first, 0, first_gap).astype(np.int64).astype("timedelta64[D]"),
        "last_stay": base - np.where(no_recency, 0, recency).astype(np.int64).astype("timedelta64[D]"),
    }
    nulls = {"recency_days": no_recency, "first_stay": no_first, "last_stay": no_recency}
    for name in ("rank", "r_score", "f_score", "m_score"):  # 0 = not ranked (inactive, prospect)
        values[name] = chunk[name].to_numpy(np.int64)
        nulls[name] = values[name] == 0
    return values, nulls


def write_guest_segments(run: SegmentationRun, outcome: calc.Outcome, as_of: dt.date) -> None:
    guests = outcome.guests
    chunks = (
        _guest_columns(run.pk, as_of, guests.iloc[start : start + WRITE_CHUNK])
        for start in range(0, len(guests), WRITE_CHUNK)
    )
    if partitioned():
        _write_partition(run, chunks)
        return
    for values, nulls in chunks:
        if connection.vendor == "postgresql":
            _copy_guest_rows(connection.ops.quote_name(GuestSegment._meta.db_table), values, nulls)
        else:
            _insert_guest_rows(values, nulls)


def partitioned() -> bool:
    """Is GuestSegment partitioned by run here (PostgreSQL, migration 0002)?"""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [GuestSegment._meta.db_table])
        row = cursor.fetchone()
    return bool(row and row[0])


def _partition_name(run_id: int) -> str:
    return f"{GuestSegment._meta.db_table}_run_{int(run_id)}"


def _write_partition(run: SegmentationRun, chunks) -> None:
    """A run's rows go into a table of their own: COPY with no index to maintain, build
    the primary key and index once, then attach it (the CHECK constraint spares
    PostgreSQL the scan that would prove every row belongs to the run)."""
    qn = connection.ops.quote_name
    parent, name, run_id = GuestSegment._meta.db_table, _partition_name(run.pk), int(run.pk)
    with connection.cursor() as cursor:
        # A run id is new, so the DEFAULT partition holds none of its rows and ATTACH
        # below only has to check an empty default partition.
        cursor.execute(f"CREATE TABLE {qn(name)} (LIKE {qn(parent)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"ALTER TABLE {qn(name)} ADD CONSTRAINT {qn(name + '_check')} "
            f"CHECK (run_id IS NOT NULL AND run_id = {run_id})"
        )
        for values, nulls in chunks:
            _copy_guest_rows(qn(name), values, nulls)
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        cursor.execute(f"ALTER TABLE {qn(name)} ADD CONSTRAINT {qn(name + '_pkey')} PRIMARY KEY (run_id, guest_id)")
        cursor.execute(f"CREATE INDEX {qn(name + '_seg_rank')} ON {qn(name)} (run_id, segment, rank)")
        cursor.execute(f"ALTER TABLE {qn(parent)} ATTACH PARTITION {qn(name)} FOR VALUES IN ({run_id})")
        cursor.execute(f"ANALYZE {qn(name)}")


def delete_guest_rows(run_ids: list[int]) -> None:
    """Drop the runs' partitions (instant), or delete their rows where not partitioned."""
    if not run_ids:
        return
    if partitioned():
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for run_id in run_ids:
                cursor.execute(f"DROP TABLE IF EXISTS {qn(_partition_name(run_id))}")
            # Rows written through the ORM land in the DEFAULT partition (migration 0003).
            cursor.execute(
                f"DELETE FROM {qn(GuestSegment._meta.db_table + '_default')} WHERE run_id = ANY(%s)",
                [[int(r) for r in run_ids]],
            )
        return
    GuestSegment.objects.filter(run_id__in=run_ids).delete()


def _copy_guest_rows(table: str, values: dict, nulls: dict) -> None:
    """Binary COPY: no per-row Python work at all (see ``crm_site.pgcopy``)."""
    fields = {f.column: f for f in GuestSegment._meta.concrete_fields if f.column}
    columns = [(name, fields[name].db_type(connection)) for name in GUEST_COLUMNS]
    with connection.cursor() as cursor:
        pgcopy.copy_rows(cursor, table, columns, values, nulls)


def _insert_guest_rows(values: dict, nulls: dict) -> None:
    def cell(name: str, i: int):
        if name in nulls and nulls[name][i]:
            return None
        value = values[name][i]
        if name == "revenue":
            return Decimal(int(value)).scaleb(-2)
        if name in ("first_stay", "last_stay"):
            return value.astype(dt.date)
        if name == "segment":
            return value
        return int(value)

    objects = [GuestSegment(**{name: cell(name, i) for name in GUEST_COLUMNS}) for i in range(len(values["guest_id"]))]
    GuestSegment.objects.bulk_create(objects, batch_size=BULK_BATCH)


def _figure_row(run: SegmentationRun, property_id: int | None, figure: dict) -> ParetoFigure:
    return ParetoFigure(
        run=run,
        property_id=property_id,
        active_guests=figure["active_guests"],
        total_revenue=Decimal(figure["total_revenue_cents"]).scaleb(-2),
        top20_share=figure["top20_share"],
        top_guests=figure["top_guests"],
        gini=figure["gini"],
        lorenz=figure["lorenz"],
        segment_stats=figure["segment_stats"],
    )


def write_figures(run: SegmentationRun, outcome: calc.Outcome) -> None:
    rows = [_figure_row(run, None, outcome.chain)]
    rows += [_figure_row(run, pid, fig) for pid, fig in sorted(outcome.properties.items())]
    ParetoFigure.objects.bulk_create(rows)


def orphan_partitions() -> list[int]:
    """Run ids of partitions whose run no longer keeps rows (e.g. runs removed by hand,
    or a test database flushed): housekeeping, so nothing accumulates."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [GuestSegment._meta.db_table],
        )
        prefix = _partition_name(0)[:-1]
        ids = {int(name[len(prefix) :]) for (name,) in cursor.fetchall() if name[len(prefix) :].isdigit()}
    if not ids:
        return []
    alive = set(
        SegmentationRun.objects.filter(pk__in=ids, guest_rows_pruned=False)
        .exclude(status=SegmentationRun.Status.FAILED)
        .values_list("pk", flat=True)
    )
    return sorted(ids - alive)
