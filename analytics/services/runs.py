"""A segmentation run from start to finish: validate, lock, read once, compute, write,
flip the current run, prune old rows — and tell an interrupted run from one in progress."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from contextlib import contextmanager
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError
from crm_site.parsing import as_of_date
from guests.models import Stay

from .. import segmentation as calc
from ..conf import Parameters, load_parameters
from ..locks import segmentation_lock
from ..models import SegmentationRun
from . import aggregate, storage

logger = logging.getLogger(__name__)


def segmentation_run(
    *,
    as_of: dt.date | str | None = None,
    trigger: str = SegmentationRun.Trigger.MANUAL,
    parameters: Mapping | None = None,
) -> SegmentationRun:
    """Compute and store the pyramid for ``as_of`` (default today) and make it current."""
    params = load_parameters(parameters)
    as_of = as_of_date(as_of)
    _require_data(as_of)
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
                rows = aggregate.read_aggregate(as_of=as_of, window_start=window_start)
                opted_out = aggregate.opted_out_count(as_of=as_of)
            with phases("compute"):
                outcome = calc.compute(rows, params)
                del rows
            with phases("migration"):
                previous = aggregate.previous_run(as_of)
                if previous is not None:
                    outcome.migration = calc.migration_matrix(aggregate.read_segments(previous), outcome.guests)
            with phases("write"), transaction.atomic():
                storage.write_guest_segments(run, outcome, as_of)
                storage.write_figures(run, outcome)
                run.opted_out_count = opted_out
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
        "segmentation %s for %s: %d guests (%d opted out, left out), %s in %d ms (%s)",
        run.pk,
        as_of,
        run.guest_count,
        run.opted_out_count,
        run.segment_counts,
        run.duration_ms,
        ", ".join(f"{k} {v:.2f} s" for k, v in phases.seconds.items()),
    )
    return run


def segmentation_interrupted_fail() -> int:
    """Mark the runs a killed process left *running* failed — unless a run is in progress
    right now (its lock is held), in which case nothing is touched.  Returns how many."""
    try:
        with segmentation_lock():
            return _abandon_interrupted_runs()
    except ConflictError:
        return 0


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


def _require_data(as_of: dt.date) -> None:
    has_data = Stay.objects.filter(
        status=Stay.Status.CHECKED_OUT, guest__isnull=False, departure_date__lte=as_of
    ).exists()
    if not has_data:
        raise DomainError(
            _("No guest had checked out on or before %(date)s: there is nothing to segment.")
            % {"date": as_of.isoformat()},
            field="as_of",
            code="nothing_to_segment",
        )


def _complete(run: SegmentationRun, outcome: calc.Outcome, *, previous: SegmentationRun | None, started: float) -> None:
    """Inside the write transaction: drop the run this one replaces, switch current."""
    replaced = list(
        SegmentationRun.objects.select_for_update()
        .filter(as_of=run.as_of)
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    if replaced:
        storage.delete_guest_rows(replaced)
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


def _abandon_interrupted_runs() -> int:
    """Under the lock no other run is active: a run still 'running' was interrupted
    (its transaction never committed, so it has no rows)."""
    return SegmentationRun.objects.filter(status=SegmentationRun.Status.RUNNING).update(
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
        storage.delete_guest_rows(stale + storage.orphan_partitions())
        SegmentationRun.objects.filter(pk__in=stale).update(guest_rows_pruned=True)
