"""Celery tasks and the management commands."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from care import tasks
from care.models import CareTask, ChurnScan, ChurnWarning
from tests.factories import GuestFactory

from .factories import stays_on

AS_OF = dt.date(2025, 6, 30)


def lapsed(hotel):
    guest = GuestFactory()
    stays_on(guest, hotel, [AS_OF - dt.timedelta(days=700), AS_OF - dt.timedelta(days=620)])
    return guest


def test_scan_task_called_directly_is_keyed_by_date(hotel):
    guest = lapsed(hotel)
    first = tasks.scan_churn_nightly.run(as_of=AS_OF.isoformat())
    again = tasks.scan_churn_nightly.run(as_of=AS_OF.isoformat())
    assert (first["opened"], again["opened"], again["unchanged"]) == (1, 0, 1)
    assert ChurnWarning.objects.get(guest=guest).as_of == AS_OF
    assert ChurnScan.objects.count() == 1


def test_eager_delay_smoke(hotel):
    lapsed(hotel)
    result = tasks.scan_churn_nightly.delay(as_of=AS_OF.isoformat())
    assert result.get()["flagged"] == 1
    built = tasks.build_care_list_daily.delay()
    assert built.get()["day"] == dt.date.today().isoformat()


def test_care_list_task_is_idempotent_per_day(hotel):
    guest = GuestFactory(birth_date=dt.date(1980, 7, 2))
    stays_on(guest, hotel, [AS_OF + dt.timedelta(days=1)], status="reserved")
    assert tasks.build_care_list_daily.run(day=AS_OF.isoformat())["created"] == 1
    assert tasks.build_care_list_daily.run(day=AS_OF.isoformat())["created"] == 0
    assert CareTask.objects.count() == 1


def test_care_emails_have_no_task_of_their_own():
    # They go through the outbox (outbox.tasks.deliver_email and the sweep).
    assert not hasattr(tasks, "send_care_email")


def test_tasks_retry_on_database_errors():
    for task in (tasks.scan_churn_nightly, tasks.build_care_list_daily):
        assert task.max_retries == 3
        assert task.retry_backoff is True


def test_scan_churn_command_prints_counts_and_refuses_future(hotel):
    lapsed(hotel)
    out = StringIO()
    call_command("scan_churn", "--as-of", AS_OF.isoformat(), stdout=out)
    assert "flagged 1 (lapsed 1" in out.getvalue()
    assert "care list" not in out.getvalue()  # only a scan for today refreshes today's care list
    with pytest.raises(CommandError, match="--as-of"):
        call_command("scan_churn", "--as-of", (dt.date.today() + dt.timedelta(days=1)).isoformat())
    with pytest.raises(CommandError, match="--as-of"):
        call_command("scan_churn", "--as-of", "yesterday")


def test_scan_churn_today_refreshes_the_care_list(db):
    out = StringIO()
    call_command("scan_churn", stdout=out)
    assert f"care list {dt.date.today().isoformat()}" in out.getvalue()
    out = StringIO()
    call_command("build_care_list", stdout=out)
    assert "0 new items" in out.getvalue()
