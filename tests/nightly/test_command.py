"""manage.py run_nightly and the schedule."""

from __future__ import annotations

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command

from nightly.models import NightlyRun
from tests.analytics.factories import AS_OF

pytestmark = pytest.mark.django_db


def test_run_nightly_runs_every_step_and_prints_them(guests_with_stays, capsys):
    call_command("run_nightly", "--as-of", AS_OF.isoformat())
    out = capsys.readouterr().out
    for label in ("1. Requalify tiers: Completed", "3. Customer pyramid: Completed", "5. Care list: Completed"):
        assert label in out
    assert f"as of {AS_OF.isoformat()}: Completed" in out
    assert NightlyRun.objects.get().trigger == "command"


def test_run_nightly_fails_loudly_when_a_step_fails(guests_with_stays, monkeypatch, capsys):
    from analytics.services import storage

    monkeypatch.setattr(storage, "write_figures", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(CommandError, match="Failed.*Customer pyramid.*disk full"):
        call_command("run_nightly", "--as-of", AS_OF.isoformat())
    assert "4. Churn scan: Skipped" in capsys.readouterr().out


@pytest.mark.parametrize("as_of", ["2026-02-30", "01/02/2026", "2999-01-01"])
def test_run_nightly_bad_date(as_of):
    with pytest.raises(CommandError, match="as_of: "):
        call_command("run_nightly", "--as-of", as_of)
    assert not NightlyRun.objects.exists()


def test_run_nightly_refuses_while_the_pipeline_is_busy(guests_with_stays):
    from nightly.locks import job_lock
    from nightly.services import PIPELINE_LOCK

    with job_lock(PIPELINE_LOCK), pytest.raises(CommandError, match="Another nightly step is running"):
        call_command("run_nightly", "--as-of", AS_OF.isoformat())
    run = NightlyRun.objects.get()
    assert run.status == "failed" and "Could not start" in run.error


def test_beat_schedules_one_pipeline_and_the_periodic_sweeps(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = sorted(entry["task"] for entry in schedule.values())
    assert tasks == [
        "complaints.tasks.escalate_overdue",
        "crm_site.tasks.purge_idempotency_records",
        "guests.tasks.retention_anonymise",
        "nightly.tasks.start_pipeline",
        "outbox.tasks.deliver_due",
    ]
    nightly = schedule["nightly-pipeline"]["schedule"]
    assert isinstance(nightly, crontab) and nightly.hour == {settings.NIGHTLY_HOUR}
    assert schedule["complaints-escalate-overdue"]["schedule"].total_seconds() == settings.COMPLAINT_ESCALATION_INTERVAL
    assert schedule["outbox-deliver-due"]["schedule"].minute == set(range(60))
