"""The nightly pipeline: request a run for a date, execute its steps in order, and tell
interrupted work from work in progress.

Rules enforced here:

* one run per as-of date; a rerun replaces that date's run (its steps and counts), but
  never while that run is still in flight (``ConflictError``);
* a step starts only after the step before it completed for the same run: if that one
  is still pending or running the step waits (``StepNotReady``, the Celery task retries
  later); if it failed or was skipped, this step and the later ones are skipped, so no
  step ever reads a stale input and the last good results stay current;
* one step at a time, chain-wide (``nightly.locks``); whoever takes the lock first marks
  every step still recorded as running failed — its worker was killed, since it no
  longer holds the lock — and every run that made no progress for ``STALLED_AFTER``
  failed (its next task never arrived);
* a step that raises is recorded failed with its error; a step whose own job is busy
  (e.g. a segmentation started by hand) waits instead of failing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError
from crm_site.parsing import as_of_date

from .locks import JobLockBusy, job_lock, job_lock_if_free
from .models import NightlyRun, NightlyStep
from .steps import BY_NAME, STEPS, as_counts

logger = logging.getLogger(__name__)

PIPELINE_LOCK = "nightly.pipeline"
# A run in flight with no step running and no progress for this long lost its chain.
STALLED_AFTER = dt.timedelta(hours=1)
ERROR_MAX = 4000

Run = NightlyRun.Status
StepStatus = NightlyStep.Status


class StepNotReady(Exception):
    """The step cannot start yet (the step before it, or the lock, is busy); retry later."""


def _busy_message() -> str:
    return _("Another nightly step is running; this one waits for it.")


# --- requesting a run --------------------------------------------------------------------


def nightly_run_request(*, as_of=None, trigger: str, by=None, replace: bool = True) -> NightlyRun:
    """Record a run for ``as_of`` (default today) with every step pending.

    ``replace``: a completed or failed run for that date is replaced (a rerun); without
    it (the nightly schedule) an existing completed run is kept and returned.  A run
    still in flight for that date is never replaced.  Call :func:`nightly_run_dispatch`
    after the transaction to start it on the workers, or :func:`nightly_run_execute`.
    """
    day = as_of_date(as_of)
    if trigger not in NightlyRun.Trigger.values:
        raise ValueError(f"unknown trigger {trigger!r}")
    nightly_interrupted_fail()
    with transaction.atomic():
        existing = NightlyRun.objects.select_for_update().filter(as_of=day).first()
        if existing is not None:
            if existing.in_flight:
                raise ConflictError(
                    _("The nightly run for %(date)s is still in progress; rerun it when it has finished.")
                    % {"date": day.isoformat()},
                    code="run_in_progress",
                )
            if not replace and existing.status == Run.COMPLETED:
                return existing
            existing.delete()
        run = NightlyRun.objects.create(as_of=day, trigger=trigger, requested_by=by, updated_at=timezone.now())
        NightlyStep.objects.bulk_create(
            [NightlyStep(run=run, name=step.name, position=i) for i, step in enumerate(STEPS)]
        )
    logger.info("nightly run %s for %s requested (%s)", run.pk, day, trigger)
    return run


def nightly_run_dispatch(*, run: NightlyRun) -> None:
    """Queue the run's steps as one Celery chain once the current transaction commits.

    The chain hands each step to the next only when it returned; a step that failed
    stops it (the later steps are already marked skipped)."""
    run_id = run.pk
    transaction.on_commit(lambda: _send_chain(run_id))


def _send_chain(run_id: int) -> None:
    from celery import chain

    from .tasks import run_step

    try:
        chain(*(run_step.si(run_id, step.name) for step in STEPS)).apply_async()
    except Exception as exc:  # noqa: BLE001 - broker down, or an inline (eager) step failed
        logger.warning("nightly run %s: %s: %s", run_id, type(exc).__name__, exc)
        _fail_unstarted(run_id, _("Could not be queued: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"})


def _fail_unstarted(run_id: int, message: str) -> None:
    """A run whose chain never left: failed, every step skipped (a started run records
    its own outcome)."""
    with transaction.atomic():
        run = NightlyRun.objects.select_for_update().filter(pk=run_id, status=Run.QUEUED).first()
        if run is None:
            return
        _stop(run, message, from_position=0, now=timezone.now())


# --- executing steps -----------------------------------------------------------------------


def nightly_run_execute(*, run: NightlyRun) -> NightlyRun:
    """Execute every step of ``run`` here and now, in order (``run_nightly``).
    A busy pipeline lock is refused with ``ConflictError``."""
    for step in STEPS:
        try:
            nightly_step_execute(run_id=run.pk, step=step.name)
        except StepNotReady as exc:
            nightly_step_abandon(run_id=run.pk, step=step.name, reason=str(exc))
            raise ConflictError(str(exc), code="pipeline_busy") from exc
    run.refresh_from_db()
    return run


def nightly_step_execute(*, run_id: int, step: str) -> NightlyStep | None:
    """Execute one step of a run, if and when it may start (see the module rules).

    Returns the step as recorded (completed, failed, skipped, or as it was when a
    redelivered task finds it already done); ``None`` when the run is gone (replaced
    by a rerun).  Raises :class:`StepNotReady` when it must wait."""
    if step not in BY_NAME:
        raise ValueError(f"unknown nightly step {step!r}")
    try:
        with job_lock(PIPELINE_LOCK, busy_message=_busy_message()):
            _fail_interrupted_locked()
            claimed = _claim(run_id, step)
            if claimed is None or claimed.status != StepStatus.RUNNING:
                return claimed
            return _perform(claimed)
    except JobLockBusy as exc:
        _touch(run_id)
        raise StepNotReady(str(exc.message)) from exc


def _claim(run_id: int, name: str) -> NightlyStep | None:
    """Mark the step running if the step before it completed; otherwise wait or skip."""
    now = timezone.now()
    with transaction.atomic():
        run = NightlyRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None
        steps = {s.name: s for s in run.steps.all()}
        current = steps[name]
        if current.status != StepStatus.PENDING:
            return current
        before = next((s for s in steps.values() if s.position == current.position - 1), None)
        late = before is not None and before.status in (StepStatus.PENDING, StepStatus.RUNNING)
        if not late and before is not None and before.status != StepStatus.COMPLETED:
            # Normally done when the earlier step failed; kept for a run stopped otherwise.
            _stop(run, run.error, from_position=current.position, now=now)
            current.refresh_from_db()
            return current
        if not late:
            current.status, current.started_at = StepStatus.RUNNING, now
            current.save(update_fields=["status", "started_at"])
            if run.status == Run.QUEUED:
                run.status, run.started_at = Run.RUNNING, now
            run.updated_at = now
            run.save(update_fields=["status", "started_at", "updated_at"])
    if late:
        _touch(run_id)  # waiting is progress too: not a lost run
        raise StepNotReady(_("Waiting for “%(step)s” to complete.") % {"step": before.get_name_display()})
    current.run = run
    return current


def _perform(step: NightlyStep) -> NightlyStep:
    run = step.run
    clock = time.perf_counter()
    try:
        result = BY_NAME[step.name].perform(run.as_of, run.trigger)
        counts = as_counts(result)
    except ConflictError as exc:
        # The step's own job is busy (e.g. a segmentation started by hand): wait for it.
        NightlyStep.objects.filter(pk=step.pk).update(status=StepStatus.PENDING, started_at=None)
        raise StepNotReady(str(exc.message)) from exc
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, then stops the run
        logger.exception("nightly run %s for %s: step %s failed", run.pk, run.as_of, step.name)
        _record_failure(step, f"{type(exc).__name__}: {exc}", clock)
    else:
        _record_success(step, counts, clock)
    step.refresh_from_db()
    return step


def _elapsed_ms(clock: float) -> int:
    return int((time.perf_counter() - clock) * 1000)


def _record_success(step: NightlyStep, counts: dict, clock: float) -> None:
    now = timezone.now()
    with transaction.atomic():
        run = NightlyRun.objects.select_for_update().get(pk=step.run_id)
        NightlyStep.objects.filter(pk=step.pk).update(
            status=StepStatus.COMPLETED, finished_at=now, duration_ms=_elapsed_ms(clock), counts=counts
        )
        run.updated_at = now
        if not run.steps.exclude(status=StepStatus.COMPLETED).exists():
            run.status, run.finished_at = Run.COMPLETED, now
            run.duration_ms = int((now - (run.started_at or now)).total_seconds() * 1000)
        run.save(update_fields=["status", "finished_at", "duration_ms", "updated_at"])
    logger.info("nightly run %s for %s: %s completed %s", step.run_id, step.run.as_of, step.name, counts)


def _record_failure(step: NightlyStep, error: str, clock: float | None) -> None:
    now = timezone.now()
    with transaction.atomic():
        run = NightlyRun.objects.select_for_update().get(pk=step.run_id)
        NightlyStep.objects.filter(pk=step.pk).update(
            status=StepStatus.FAILED,
            finished_at=now,
            duration_ms=_elapsed_ms(clock) if clock is not None else None,
            error=error[:ERROR_MAX],
        )
        message = _("“%(step)s” failed: %(error)s") % {"step": step.get_name_display(), "error": error}
        _stop(run, message, from_position=step.position + 1, now=now)


def _stop(run: NightlyRun, message: str, *, from_position: int, now: dt.datetime) -> None:
    """The run failed: its pending steps from ``from_position`` on are skipped."""
    reason = _("Skipped: an earlier step did not complete.")
    run.steps.filter(position__gte=from_position, status=StepStatus.PENDING).update(
        status=StepStatus.SKIPPED, error=reason
    )
    run.status, run.finished_at, run.updated_at = Run.FAILED, now, now
    run.error = (message or "")[:ERROR_MAX]
    if run.started_at:
        run.duration_ms = int((now - run.started_at).total_seconds() * 1000)
    run.save(update_fields=["status", "finished_at", "updated_at", "error", "duration_ms"])


def _touch(run_id: int) -> None:
    NightlyRun.objects.filter(pk=run_id, status__in=NightlyRun.IN_FLIGHT).update(updated_at=timezone.now())


def nightly_step_abandon(*, run_id: int, step: str, reason: str) -> None:
    """Give up a step that waited too long to start: failed, the later ones skipped."""
    target = NightlyStep.objects.select_related("run").filter(run_id=run_id, name=step).first()
    if target is None or target.status != StepStatus.PENDING:
        return
    _record_failure(target, _("Could not start: %(reason)s") % {"reason": reason}, None)


# --- interrupted work ------------------------------------------------------------------------


def nightly_interrupted_fail() -> int:
    """Mark killed steps and stalled runs failed, if no step is running right now (the
    lock is free); also a segmentation left running by a killed process.  Called when a
    run is requested and when a worker starts.  Returns how many runs were stopped."""
    from analytics.services import segmentation_interrupted_fail

    stopped = 0
    with job_lock_if_free(PIPELINE_LOCK) as free:
        if free:
            stopped = _fail_interrupted_locked()
    segmentation_interrupted_fail()
    return stopped


def _fail_interrupted_locked() -> int:
    """Under the pipeline lock no step is running: one recorded as running was killed."""
    now = timezone.now()
    stopped = 0
    for step in NightlyStep.objects.filter(status=StepStatus.RUNNING).select_related("run"):
        logger.warning("nightly run %s: step %s was interrupted", step.run_id, step.name)
        _record_failure(step, str(_("Interrupted: the worker stopped before the step completed.")), None)
        stopped += 1
    stalled = NightlyRun.objects.filter(status__in=NightlyRun.IN_FLIGHT, updated_at__lt=now - STALLED_AFTER)
    for run_id in list(stalled.values_list("pk", flat=True)):
        with transaction.atomic():
            run = NightlyRun.objects.select_for_update().get(pk=run_id)
            hours = int(STALLED_AFTER.total_seconds() // 3600)
            message = _("Stopped: no step started for %(hours)d hour(s); its queued task was lost.") % {"hours": hours}
            _stop(run, message, from_position=0, now=now)
            stopped += 1
    return stopped
