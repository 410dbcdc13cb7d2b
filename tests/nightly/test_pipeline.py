"""The nightly chain: order, records, a late or failed step, reruns, killed work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from analytics.locks import segmentation_lock
from analytics.models import SegmentationRun
from crm_site.errors import ConflictError, DomainError
from nightly import services, tasks
from nightly.locks import job_lock
from nightly.models import NightlyRun, NightlyStep
from tests.analytics.factories import AS_OF

from .conftest import STEP_NAMES, statuses

pytestmark = pytest.mark.django_db
S = NightlyStep.Status


def run_chain(django_capture_on_commit_callbacks, as_of=AS_OF) -> NightlyRun:
    """The scheduled start, its chain run inline (eager Celery) once the run committed."""
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.start_pipeline(as_of=as_of.isoformat())
    return NightlyRun.objects.get(pk=result["run"])


def test_the_chain_runs_each_step_in_order_for_its_date_and_records_it(
    guests_with_stays, calls, django_capture_on_commit_callbacks
):
    run = run_chain(django_capture_on_commit_callbacks)

    assert calls.names() == [
        "tiers_requalify",
        "points_expire",
        "segmentation_run",
        "churn_scan",
        "care_list_build",
        "facts_rebuild",
    ]
    assert {day for _name, day, _current in calls} == {AS_OF}
    run.refresh_from_db()
    assert run.status == "completed" and run.trigger == "schedule" and not run.error
    assert run.started_at <= run.finished_at and run.duration_ms is not None
    steps = list(run.steps.order_by("position"))
    assert [s.name for s in steps] == STEP_NAMES
    assert all(s.status == "completed" and s.duration_ms is not None and not s.error for s in steps)
    for before, after in zip(steps, steps[1:], strict=False):
        assert before.finished_at <= after.started_at
    segmentation = SegmentationRun.objects.get(as_of=AS_OF)
    assert steps[2].counts == {
        "run": segmentation.pk,
        "guests": 3,
        "active": 3,
        "segments": segmentation.segment_counts,
    }
    # The churn scan read the segments written by this run's segmentation step.
    churn_call = calls[3]
    assert churn_call[2] == segmentation.pk
    assert steps[3].counts["as_of"] == AS_OF.isoformat()
    assert steps[4].counts["day"] == AS_OF.isoformat()


def test_a_failed_step_skips_the_later_ones_and_the_last_good_results_stay_current(
    guests_with_stays, calls, monkeypatch, django_capture_on_commit_callbacks
):
    from analytics.services import storage

    yesterday = run_chain(django_capture_on_commit_callbacks, as_of=AS_OF - dt.timedelta(days=1))
    good = SegmentationRun.objects.get(is_current=True)
    assert yesterday.status == "completed" and good.as_of == AS_OF - dt.timedelta(days=1)
    calls.clear()

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "write_figures", disk_full)
    run = run_chain(django_capture_on_commit_callbacks)

    assert calls.names() == ["tiers_requalify", "points_expire", "segmentation_run"]  # no churn, no care list
    assert statuses(run) == ["completed", "completed", "failed", "skipped", "skipped", "skipped"]
    run.refresh_from_db()
    assert run.status == "failed" and "Customer pyramid" in run.error and "disk full" in run.error
    failed = run.steps.get(name="segmentation")
    assert failed.error == "OSError: disk full" and failed.finished_at is not None
    assert all("earlier step" in s.error for s in run.steps.filter(status=S.SKIPPED))
    good.refresh_from_db()
    assert good.is_current  # yesterday's segments stay current


def test_a_step_waits_while_the_one_before_it_is_late(guests_with_stays, calls, request_run):
    run = request_run()
    for name in STEP_NAMES[:2]:
        services.nightly_step_execute(run_id=run.pk, step=name)
    yesterday = SegmentationRun.objects.create(
        as_of=AS_OF - dt.timedelta(days=1), status="completed", is_current=True, started_at=timezone.now()
    )
    calls.clear()

    # Segmentation has not run yet: the churn scan must not read yesterday's segments.
    NightlyRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=30))
    with pytest.raises(services.StepNotReady, match="Customer pyramid"):
        tasks.run_step(run.pk, "churn_scan")  # a worker would retry it later
    run.refresh_from_db()
    assert timezone.now() - run.updated_at < dt.timedelta(minutes=1)  # waiting counts as progress
    # Segmentation is running (another worker holds the pipeline lock): still waiting.
    with job_lock(services.PIPELINE_LOCK), pytest.raises(services.StepNotReady):
        tasks.run_step(run.pk, "churn_scan")
    assert calls.names() == []
    assert statuses(run) == ["completed", "completed", "pending", "pending", "pending", "pending"]

    services.nightly_step_execute(run_id=run.pk, step="segmentation")
    tasks.run_step(run.pk, "churn_scan")
    today = SegmentationRun.objects.get(as_of=AS_OF)
    assert calls.names() == ["segmentation_run", "churn_scan"]
    assert calls[1][2] == today.pk != yesterday.pk
    assert statuses(run) == ["completed", "completed", "completed", "completed", "pending", "pending"]


def test_a_step_waits_while_its_own_job_is_busy(guests_with_stays, request_run):
    run = request_run()
    for name in STEP_NAMES[:2]:
        services.nightly_step_execute(run_id=run.pk, step=name)
    with segmentation_lock(), pytest.raises(services.StepNotReady, match="segmentation run is already in progress"):
        services.nightly_step_execute(run_id=run.pk, step="segmentation")
    assert statuses(run)[2] == "pending"
    assert services.nightly_step_execute(run_id=run.pk, step="segmentation").status == "completed"


def test_a_step_that_cannot_start_in_time_is_failed_and_skips_the_rest(guests_with_stays, request_run):
    run = request_run()
    with job_lock(services.PIPELINE_LOCK), pytest.raises(tasks.StepFailed):
        tasks.run_step.apply(args=[run.pk, "requalify_tiers"]).get()  # inline: no waiting
    assert statuses(run) == ["failed", "skipped", "skipped", "skipped", "skipped", "skipped"]
    assert "Could not start" in run.steps.get(name="requalify_tiers").error


def test_a_step_after_a_failed_one_is_skipped_without_running(guests_with_stays, calls, request_run):
    run = request_run()
    run.steps.filter(name="requalify_tiers").update(status=S.FAILED)
    done = services.nightly_step_execute(run_id=run.pk, step="expire_points")
    assert done.status == "skipped" and calls.names() == []
    assert statuses(run) == ["failed", "skipped", "skipped", "skipped", "skipped", "skipped"]


def test_a_redelivered_step_does_not_run_twice(guests_with_stays, calls, request_run):
    run = request_run()
    first = services.nightly_step_execute(run_id=run.pk, step="requalify_tiers")
    again = services.nightly_step_execute(run_id=run.pk, step="requalify_tiers")
    assert first.status == again.status == "completed" and first.finished_at == again.finished_at
    assert calls.names() == ["tiers_requalify"]


def test_a_step_of_a_run_replaced_meanwhile_exits_quietly(guests_with_stays, request_run):
    run = request_run()
    run_id = run.pk
    run.delete()
    assert tasks.run_step(run_id, "requalify_tiers") == {"run": run_id, "step": "requalify_tiers", "status": "gone"}


# --- reruns ----------------------------------------------------------------------------


def test_a_rerun_replaces_that_dates_run(guests_with_stays, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    call_command("run_nightly", "--as-of", AS_OF.isoformat())
    first = NightlyRun.objects.get(as_of=AS_OF)
    first_steps = set(first.steps.values_list("pk", flat=True))
    call_command("run_nightly", "--as-of", AS_OF.isoformat())

    assert NightlyRun.objects.count() == 1
    second = NightlyRun.objects.get(as_of=AS_OF)
    assert second.pk != first.pk and second.status == "completed"
    assert not NightlyStep.objects.filter(pk__in=first_steps).exists()
    assert NightlyStep.objects.count() == len(STEP_NAMES)
    assert SegmentationRun.objects.filter(as_of=AS_OF).count() == 1  # the segmentation replaced its date too


def test_a_rerun_is_refused_while_that_date_is_in_flight(guests_with_stays, request_run):
    run = request_run()
    services.nightly_step_execute(run_id=run.pk, step="requalify_tiers")  # between two steps
    with pytest.raises(ConflictError, match="still in progress") as info:
        request_run()
    assert info.value.code == "run_in_progress"
    other = request_run(as_of=AS_OF - dt.timedelta(days=1))  # another date is fine
    assert NightlyRun.objects.count() == 2 and other.status == "queued"


def test_the_schedule_does_not_rerun_a_completed_night(guests_with_stays, calls, django_capture_on_commit_callbacks):
    first = run_chain(django_capture_on_commit_callbacks)
    calls.clear()
    second = run_chain(django_capture_on_commit_callbacks)  # a second delivery of the beat task
    assert second.pk == first.pk and calls.names() == []


def test_the_schedule_replaces_a_failed_night(guests_with_stays, request_run, django_capture_on_commit_callbacks):
    failed = request_run()
    services.nightly_step_abandon(run_id=failed.pk, step="requalify_tiers", reason="test")
    again = run_chain(django_capture_on_commit_callbacks)
    assert again.pk != failed.pk and again.status == "completed"


@pytest.mark.parametrize(
    "as_of, code",
    [("2026-02-30", "invalid_date"), ("yesterday", "invalid_date"), ("2999-01-01", "date_out_of_range")],
)
def test_a_bad_date_is_refused_and_writes_nothing(as_of, code, request_run):
    with pytest.raises(DomainError) as info:
        request_run(as_of=as_of)
    assert (info.value.field, info.value.code) == ("as_of", code)
    assert not NightlyRun.objects.exists()


def test_a_future_date_is_refused(request_run):
    with pytest.raises(DomainError) as info:
        request_run(as_of=timezone.localdate() + dt.timedelta(days=1))
    assert info.value.code == "future_date" and not NightlyRun.objects.exists()


def test_a_broker_outage_fails_the_run_it_could_not_queue(request_run, monkeypatch):
    from celery import canvas
    from kombu.exceptions import OperationalError

    def broker_down(self, *args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(canvas._chain, "apply_async", broker_down)
    run = request_run()
    services._send_chain(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "Could not be queued" in run.error
    assert statuses(run) == ["skipped"] * len(STEP_NAMES)


# --- killed work -----------------------------------------------------------------------


def test_a_killed_step_is_marked_failed_on_the_next_start(guests_with_stays, request_run):
    run = request_run()
    services.nightly_step_execute(run_id=run.pk, step="requalify_tiers")
    # The worker running "expire points" was killed: its row says running, nobody holds the lock.
    run.steps.filter(name="expire_points").update(status=S.RUNNING, started_at=timezone.now())
    NightlyRun.objects.filter(pk=run.pk).update(status="running")

    request_run(as_of=AS_OF - dt.timedelta(days=1))  # the next start

    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    assert statuses(run) == ["completed", "failed", "skipped", "skipped", "skipped", "skipped"]
    assert "Interrupted" in run.steps.get(name="expire_points").error
    assert "Interrupted" in run.error


def test_a_step_that_is_really_running_is_left_alone(guests_with_stays, request_run):
    run = request_run()
    run.steps.filter(name="requalify_tiers").update(status=S.RUNNING, started_at=timezone.now())
    with job_lock(services.PIPELINE_LOCK):  # its worker is alive and holds the lock
        assert services.nightly_interrupted_fail() == 0
    assert statuses(run)[0] == "running"


def test_a_killed_segmentation_is_shown_failed_on_the_next_start(guests_with_stays, request_run):
    killed = SegmentationRun.objects.create(as_of=AS_OF, status="running", started_at=timezone.now())
    request_run(as_of=AS_OF - dt.timedelta(days=1))
    killed.refresh_from_db()
    assert killed.status == "failed" and "Interrupted" in killed.error


def test_a_run_whose_next_task_was_lost_is_failed_after_a_while(request_run, guests_with_stays):
    run = request_run()
    services.nightly_step_execute(run_id=run.pk, step="requalify_tiers")
    NightlyRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - services.STALLED_AFTER / 2)
    assert services.nightly_interrupted_fail() == 0  # slow, not lost
    NightlyRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - 2 * services.STALLED_AFTER)
    assert services.nightly_interrupted_fail() == 1
    run.refresh_from_db()
    assert run.status == "failed" and "queued task was lost" in run.error
    assert statuses(run) == ["completed", "skipped", "skipped", "skipped", "skipped", "skipped"]


def test_a_worker_that_starts_marks_killed_work_failed(guests_with_stays, request_run):
    from celery.signals import worker_ready

    run = request_run()
    run.steps.filter(name="requalify_tiers").update(status=S.RUNNING, started_at=timezone.now())
    killed = SegmentationRun.objects.create(as_of=AS_OF, status="running", started_at=timezone.now())
    worker_ready.send(sender=None)
    killed.refresh_from_db()
    assert statuses(run)[0] == "failed" and killed.status == "failed"


def test_the_schedule_leaves_a_night_in_flight_alone(guests_with_stays, request_run, calls):
    run = request_run()
    assert tasks.start_pipeline(as_of=AS_OF.isoformat()) == {"status": "in_progress", "as_of": AS_OF.isoformat()}
    assert NightlyRun.objects.get().pk == run.pk and calls.names() == []
