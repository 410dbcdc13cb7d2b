"""nightly.locks: one holder at a time; a lock whose holder died is free again."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from nightly.locks import JobLockBusy, advisory_key, job_lock, job_lock_if_free
from nightly.models import JobLock

pytestmark = pytest.mark.django_db
NAME = "tests.job"


@pytest.fixture
def row_locks(monkeypatch):
    """The lock-row implementation (the embedded SQLite's), on any database."""
    monkeypatch.setattr(connection, "vendor", "sqlite" if connection.vendor == "postgresql" else connection.vendor)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_held_lock_is_refused_and_released_after_the_block():
    with job_lock(NAME):
        with pytest.raises(JobLockBusy), job_lock(NAME):
            pass  # nested in the same process: refused too
        with job_lock_if_free(NAME) as free:
            assert free is False
    with job_lock_if_free(NAME) as free:
        assert free is True


def test_the_lock_is_released_when_the_block_raises():
    with pytest.raises(RuntimeError), job_lock(NAME):
        raise RuntimeError("step failed")
    with job_lock(NAME):
        pass


def test_a_lock_row_held_by_a_live_process_is_refused(row_locks):
    JobLock.objects.create(name=NAME, token="t", owner=f"{socket.gethostname()}:1", locked_at=timezone.now())
    with pytest.raises(JobLockBusy):
        with job_lock(NAME):
            pass  # pid 1 is alive


def test_a_lock_row_of_a_dead_process_is_taken_over(row_locks):
    owner = f"{socket.gethostname()}:{_dead_pid()}"
    JobLock.objects.create(name=NAME, token="killed", owner=owner, locked_at=timezone.now())
    with job_lock(NAME):
        held = JobLock.objects.get(name=NAME)
        assert held.token != "killed" and held.owner == f"{socket.gethostname()}:{os.getpid()}"
    assert JobLock.objects.get(name=NAME).token == ""


def test_a_lock_row_of_another_host_expires_after_a_while(row_locks):
    JobLock.objects.create(name=NAME, token="far", owner="other-host:42", locked_at=timezone.now())
    with pytest.raises(JobLockBusy), job_lock(NAME):
        pass
    JobLock.objects.filter(name=NAME).update(locked_at=timezone.now() - dt.timedelta(hours=3))
    with job_lock(NAME):
        assert JobLock.objects.get(name=NAME).owner != "other-host:42"


@pytest.mark.postgres
def test_an_advisory_lock_held_by_another_session_is_refused_until_it_closes():
    settings_dict = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [advisory_key(NAME)])
            assert cursor.fetchone()[0]
        with job_lock_if_free(NAME) as free:
            assert free is False
    finally:
        other.close()  # the holder dies: PostgreSQL releases its lock
    for _attempt in range(50):
        with job_lock_if_free(NAME) as free:
            if free:
                break
        time.sleep(0.1)
    assert free is True
