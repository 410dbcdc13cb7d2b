"""The nightly Celery task and the run_segmentation command."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.locks import segmentation_lock
from analytics.models import SegmentationRun
from analytics.tasks import run_segmentation_nightly
from crm_site.errors import ConflictError
from tests.analytics.factories import AS_OF, chain, guests

pytestmark = pytest.mark.django_db


def test_task_runs_for_a_date_and_is_idempotent():
    chain([300, 200, 100])
    first = run_segmentation_nightly(as_of=AS_OF.isoformat())
    second = run_segmentation_nightly(as_of=AS_OF.isoformat())
    assert first["status"] == second["status"] == "completed"
    assert second["segments"]["vip"] == 1 and second["guests"] == 3
    assert SegmentationRun.objects.filter(as_of=AS_OF).count() == 1
    assert SegmentationRun.objects.get().trigger == "schedule"


def test_task_defaults_to_today():
    chain([100])
    result = run_segmentation_nightly()
    assert result["as_of"] == timezone.localdate().isoformat()


def test_task_skips_quietly_when_there_is_nothing_to_segment():
    guests(2)
    result = run_segmentation_nightly()
    assert result["status"] == "skipped" and result["field"] == "as_of"
    assert not SegmentationRun.objects.exists()


def test_task_does_not_run_alongside_another_run():
    chain([100])
    with segmentation_lock(), pytest.raises(ConflictError):
        run_segmentation_nightly(as_of=AS_OF.isoformat())
    assert not SegmentationRun.objects.exists()


def test_task_delay_eager_smoke():
    chain([100, 50])
    result = run_segmentation_nightly.delay(as_of=AS_OF.isoformat()).get(timeout=10)
    assert result["status"] == "completed" and result["active"] == 2


def test_segmentation_is_scheduled_only_inside_the_nightly_pipeline(settings):
    # Beat starts the pipeline, whose segmentation step follows the loyalty steps; a
    # clock-offset entry of its own would run it whether or not they had finished.
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert run_segmentation_nightly.name not in names
    assert "nightly.tasks.start_pipeline" in names


def test_command_prints_counts_and_duration(capsys):
    chain([300, 200, 100])
    call_command("run_segmentation", "--as-of", AS_OF.isoformat())
    out = capsys.readouterr().out
    assert f"as of {AS_OF.isoformat()}" in out and "3 guests, 3 active" in out
    assert "vip=1" in out and "small=2" in out and "prospect=0" in out
    assert "Done in" in out
    assert SegmentationRun.objects.get().trigger == "command"


@pytest.mark.parametrize(
    "as_of, message",
    [
        ("2026-02-30", "as_of: Enter a valid date"),
        ((timezone.localdate() + dt.timedelta(days=2)).isoformat(), "as_of: The date cannot be in the future"),
        ((AS_OF - dt.timedelta(days=60)).isoformat(), "as_of: No guest had checked out"),
    ],
)
def test_command_bad_input(as_of, message):
    chain([100])
    with pytest.raises(CommandError, match=message):
        call_command("run_segmentation", "--as-of", as_of)
    assert not SegmentationRun.objects.exists()


def test_command_invalid_settings(settings):
    chain([100])
    settings.SEGMENTATION = {"cuts": {"vip": 50, "major": 50, "ordinary": 50, "small": 0}}
    with pytest.raises(CommandError, match="SEGMENTATION.cuts: The cuts must add up to 100"):
        call_command("run_segmentation")
    assert not SegmentationRun.objects.exists()


def test_command_refuses_while_locked():
    chain([100])
    with segmentation_lock(), pytest.raises(CommandError, match="already in progress"):
        call_command("run_segmentation")
