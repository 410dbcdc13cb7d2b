"""Running the customer pyramid: validate, lock, read once, compute, write, flip.

``segmentation_run`` is the only writer of segmentation data.  The rules it enforces:

* bad input (an as-of date in the future or before any checked-out stay, invalid cut
  settings) is refused with a ``DomainError`` naming the field before anything is
  written — no run row is left behind;
* one run at a time (``analytics.locks``): a second one is refused with ``ConflictError``;
* the heavy lifting is ONE aggregate query per (guest, property), streamed out with
  ``COPY`` on PostgreSQL, then ranking and cuts in numpy (``analytics.segmentation``),
  then bulk writes (``COPY`` on PostgreSQL, ``bulk_create`` in batches elsewhere);
* a run's rows, its figures, the removal of the run it replaces (same as-of date) and
  the switch of the *current* run happen in one transaction: a failed or interrupted
  run never replaces the last good one, and a date never has two completed runs;
* the current run is the completed run with the latest as-of date (re-running an older
  date refreshes that snapshot without taking over).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import pgcopy
from crm_site.errors import DomainError
from guests.models import Guest, Stay

from . import segmentation as calc
from .conf import Parameters, load_parameters
from .locks import segmentation_lock
from .models import GuestSegment, ParetoFigure, SegmentationRun

logger = logging.getLogger(__name__)

WRITE_CHUNK = 100_000  # guest rows per COPY statement
BULK_BATCH = 5_000  # rows per INSERT where COPY is not available
AGGREGATE_WORK_MEM = "256MB"  # PostgreSQL memory for the one aggregate (about 100 bytes a guest)
INDEX_BUILD_MEMORY = "256MB"  # PostgreSQL memory to sort a run's rows into its two indexes


def parse_as_of(value: str | dt.date | None) -> dt.date | None:
    """``YYYY-MM-DD`` → date; empty → None (today); anything else → DomainError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(_("Enter a valid date (YYYY-MM-DD)."), field="as_of") from None


def segmentation_run(
    *,
    as_of: dt.date | None = None,
    trigger: str = SegmentationRun.Trigger.MANUAL,
    parameters: Mapping | None = None,
) -> SegmentationRun:
    """Compute and store the pyramid for ``as_of`` (default today) and make it current."""
    params = load_parameters(parameters)
    today = timezone.localdate()
    as_of = as_of or today
    _validate_as_of(as_of, today)
    with segmentation_lock():
        _abandon_interrupted_runs()
        started = time.perf_counter()
        window_start = calc.months_before(as_of, params.window_months)
        run = SegmentationRun.objects.create(
            as_of=as_of,
            status=SegmentationRun.Status.RUNNING,
            trigger=trigger,
            started_at=timezone.now(),
            parameters={**params.as_json(), "window_start": window_start.isoformat(), "as_of": as_of.isoformat()},
        )
        phases = _Phases()
        try:
            with phases("read"):
                rows = _read_aggregate(as_of=as_of, window_start=window_start)
            with phases("compute"):
                outcome = calc.compute(rows, params)
                del rows
            with phases("migration"):
                previous = _previous_run(as_of)
                if previous is not None:
                    outcome.migration = calc.migration_matrix(_read_segments(previous), outcome.guests)
            with phases("write"), transaction.atomic():
                _write_guest_segments(run, outcome, as_of)
                _write_figures(run, outcome)
                _complete(run, outcome, previous=previous, started=started)
        except Exception as exc:
            _fail(run, exc, started)
            raise
        # The duration recorded inside the transaction missed the commit itself.
        run.finished_at, run.duration_ms = timezone.now(), int((time.perf_counter() - started) * 1000)
        SegmentationRun.objects.filter(pk=run.pk).update(finished_at=run.finished_at, duration_ms=run.duration_ms)
        with phases("prune"):
            _prune_guest_rows(params)
    run.phase_seconds = phases.seconds  # for the benchmark and the log; not stored
    logger.info(
        "segmentation %s for %s: %d guests, %s in %d ms (%s)",
        run.pk,
        as_of,
        run.guest_count,
        run.segment_counts,
        run.duration_ms,
        ", ".join(f"{k} {v:.2f} s" for k, v in phases.seconds.items()),
    )
    return run


class _Phases:
    """Wall time per phase of a run."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - started, 3)


# --- validation ----------------------------------------------------------------------


def _validate_as_of(as_of: dt.date, today: dt.date) -> None:
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise DomainError(_("Enter a valid date (YYYY-MM-DD)."), field="as_of")
    if as_of > today:
        raise DomainError(_("The as-of date cannot be in the future."), field="as_of")
    has_data = Stay.objects.filter(
        status=Stay.Status.CHECKED_OUT, guest__isnull=False, departure_date__lte=as_of
    ).exists()
    if not has_data:
        raise DomainError(
            _("No guest had checked out on or before %(date)s: there is nothing to segment.")
            % {"date": as_of.isoformat()},
            field="as_of",
        )


# --- reading -------------------------------------------------------------------------


def _days_before(as_of_sql: str, column_sql: str) -> str:
    """SQL for the whole days from ``column_sql`` to ``as_of_sql``."""
    if connection.vendor == "postgresql":
        return f"(CAST({as_of_sql} AS date) - {column_sql})"
    return f"CAST(julianday({as_of_sql}) - julianday({column_sql}) AS INTEGER)"


def _aggregate_sql() -> tuple[str, list[str]]:
    """The run's one aggregate query: per (guest, property) over checked-out stays up to
    the as-of date, left-joined to every unmerged guest (prospects have no stay row).
    Returns the SQL and the names of its parameters, in order."""
    qn = connection.ops.quote_name
    stay, guest = qn(Stay._meta.db_table), qn(Guest._meta.db_table)
    sql = f"""
        SELECT g.id, s.property_id, COALESCE(s.revenue, 0), COALESCE(s.stays, 0), COALESCE(s.nights, 0),
               s.last_gap, s.first_gap
        FROM {guest} g
        LEFT JOIN (
            SELECT st.guest_id, st.property_id,
                   CAST(ROUND(SUM(CASE WHEN st.departure_date > %s THEN st.total_revenue ELSE 0 END) * 100)
                        AS BIGINT) AS revenue,
                   SUM(CASE WHEN st.departure_date > %s THEN 1 ELSE 0 END) AS stays,
                   SUM(CASE WHEN st.departure_date > %s THEN st.nights ELSE 0 END) AS nights,
                   {_days_before("%s", "MAX(st.departure_date)")} AS last_gap,
                   {_days_before("%s", "MIN(st.arrival_date)")} AS first_gap
            FROM {stay} st
            WHERE st.status = %s AND st.guest_id IS NOT NULL AND st.departure_date <= %s
            GROUP BY st.guest_id, st.property_id
        ) s ON s.guest_id = g.id
        WHERE g.merged_into_id IS NULL AND (s.guest_id IS NOT NULL OR g.created_at < %s)
    """
    return sql, ["start", "start", "start", "as_of", "as_of", "status", "as_of", "created_before"]


def _read_aggregate(*, as_of: dt.date, window_start: dt.date) -> pd.DataFrame:
    sql, names = _aggregate_sql()
    ops = connection.ops
    # Profiles created after the as-of date were not prospects yet on that date.
    created_before = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))
    values = {
        "start": ops.adapt_datefield_value(window_start),
        "as_of": ops.adapt_datefield_value(as_of),
        "status": Stay.Status.CHECKED_OUT.value,
        "created_before": ops.adapt_datetimefield_value(created_before),
    }
    dtypes = {
        "guest_id": np.int64,
        "property_id": np.float64,
        "revenue": np.int64,
        "stays": np.int64,
        "nights": np.int64,
        "last_gap": np.float64,
        "first_gap": np.float64,
    }
    return pgcopy.read_frame(sql, [values[n] for n in names], dtypes, work_mem=AGGREGATE_WORK_MEM)


def _previous_run(as_of: dt.date) -> SegmentationRun | None:
    """The completed run just before ``as_of`` whose guest rows are still kept."""
    return (
        SegmentationRun.objects.filter(
            status=SegmentationRun.Status.COMPLETED, as_of__lt=as_of, guest_rows_pruned=False
        )
        .order_by("-as_of")
        .first()
    )


def _read_segments(run: SegmentationRun) -> pd.DataFrame:
    """(guest_id, segment code) of an earlier run, the codes mapped in SQL so no Python
    string is made per guest."""
    qn = connection.ops.quote_name
    cases = " ".join("WHEN %s THEN %s" for _code in calc.SEGMENT_CODES)
    params = [value for index, code in enumerate(calc.SEGMENT_CODES) for value in (code, index)]
    return pgcopy.read_frame(
        f"SELECT guest_id, CASE segment {cases} END FROM {qn(GuestSegment._meta.db_table)} WHERE run_id = %s",
        [*params, run.pk],
        {"guest_id": np.int64, "segment": np.int64},
    )


# --- writing -------------------------------------------------------------------------

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


def _write_guest_segments(run: SegmentationRun, outcome: calc.Outcome, as_of: dt.date) -> None:
    guests = outcome.guests
    chunks = (
        _guest_columns(run.pk, as_of, guests.iloc[start : start + WRITE_CHUNK])
        for start in range(0, len(guests), WRITE_CHUNK)
    )
    if _partitioned():
        _write_partition(run, chunks)
        return
    for values, nulls in chunks:
        if connection.vendor == "postgresql":
            _copy_guest_rows(connection.ops.quote_name(GuestSegment._meta.db_table), values, nulls)
        else:
            _insert_guest_rows(values, nulls)


def _partitioned() -> bool:
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


def _delete_guest_rows(run_ids: list[int]) -> None:
    """Drop the runs' partitions (instant), or delete their rows where not partitioned."""
    if not run_ids:
        return
    if _partitioned():
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


def _write_figures(run: SegmentationRun, outcome: calc.Outcome) -> None:
    rows = [_figure_row(run, None, outcome.chain)]
    rows += [_figure_row(run, pid, fig) for pid, fig in sorted(outcome.properties.items())]
    ParetoFigure.objects.bulk_create(rows)


def _complete(run: SegmentationRun, outcome: calc.Outcome, *, previous: SegmentationRun | None, started: float) -> None:
    """Inside the write transaction: drop the run this one replaces, switch current."""
    replaced = list(
        SegmentationRun.objects.select_for_update()
        .filter(as_of=run.as_of)
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    if replaced:
        _delete_guest_rows(replaced)
        SegmentationRun.objects.filter(pk__in=replaced).delete()
    latest = (
        SegmentationRun.objects.filter(status=SegmentationRun.Status.COMPLETED)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    becomes_current = latest is None or run.as_of >= latest
    if becomes_current:
        SegmentationRun.objects.filter(is_current=True).update(is_current=False)
    run.status = SegmentationRun.Status.COMPLETED
    run.is_current = becomes_current
    run.guest_count = outcome.guest_count
    run.active_count = outcome.active_count
    run.segment_counts = outcome.counts
    run.total_revenue = Decimal(outcome.chain["total_revenue_cents"]).scaleb(-2)
    run.previous_run = previous
    run.migration = (
        {"from_as_of": previous.as_of.isoformat(), "matrix": outcome.migration} if previous is not None else {}
    )
    run.finished_at = timezone.now()
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    run.save()


def _fail(run: SegmentationRun, exc: BaseException, started: float) -> None:
    logger.exception("segmentation %s for %s failed", run.pk, run.as_of)
    try:
        SegmentationRun.objects.filter(pk=run.pk).update(
            status=SegmentationRun.Status.FAILED,
            is_current=False,
            finished_at=timezone.now(),
            duration_ms=int((time.perf_counter() - started) * 1000),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        run.refresh_from_db()
    except Exception:  # the database itself may be what failed; the original error matters
        logger.exception("could not record the failure of segmentation %s", run.pk)


def _abandon_interrupted_runs() -> None:
    """Under the lock no other run is active: a run still 'running' was interrupted
    (its transaction never committed, so it has no rows)."""
    SegmentationRun.objects.filter(status=SegmentationRun.Status.RUNNING).update(
        status=SegmentationRun.Status.FAILED,
        finished_at=timezone.now(),
        error=_("Interrupted: the process stopped before the run completed."),
    )


def _prune_guest_rows(params: Parameters) -> None:
    """Keep per-guest rows for the newest ``keep_guest_rows`` completed runs (and the
    current one); older runs keep their counts and figures for the trend."""
    completed = SegmentationRun.objects.filter(status=SegmentationRun.Status.COMPLETED)
    keep = list(completed.order_by("-as_of").values_list("pk", flat=True)[: params.keep_guest_rows])
    stale = list(
        completed.filter(guest_rows_pruned=False, is_current=False).exclude(pk__in=keep).values_list("pk", flat=True)
    )
    with transaction.atomic():
        _delete_guest_rows(stale + _orphan_partitions())
        SegmentationRun.objects.filter(pk__in=stale).update(guest_rows_pruned=True)


def _orphan_partitions() -> list[int]:
    """Run ids of partitions whose run no longer keeps rows (e.g. runs removed by hand,
    or a test database flushed): housekeeping, so nothing accumulates."""
    if not _partitioned():
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
