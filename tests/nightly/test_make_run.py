"""The embedded default (``make run``) runs the same schedule as production: a Celery
worker with beat on kombu's filesystem broker, tasks no longer run inline.

The end-to-end test starts exactly the worker command of the Makefile against a fresh
SQLite database and a queue folder of its own, with a two-second escalation period, and
waits for an overdue complaint to be escalated."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CELERY = [sys.executable, "-m", "celery"]  # the Makefile runs .venv/bin/celery: the same program
PERIOD = 2  # seconds between escalation sweeps in this test


def local_env(tmp_path: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "crm_site.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite3'}",
            "CELERY_QUEUE_DIR": str(tmp_path / "celery"),
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


def manage(env, *args, timeout=180):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def worker_args() -> list[str]:
    """The worker arguments `make run` uses, read from the Makefile."""
    match = re.search(r"^LOCAL_WORKER_ARGS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "Makefile defines LOCAL_WORKER_ARGS"
    return match.group(1).split()


def test_local_settings_queue_tasks_on_the_filesystem_broker(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
        "'options': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}), 'beat_file': s.CELERY_BEAT_SCHEDULE_FILENAME, "
        "'tasks': sorted(e['task'] for e in s.CELERY_BEAT_SCHEDULE.values())}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=local_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    config = json.loads(run.stdout.strip().splitlines()[-1])
    assert config["broker"].startswith("filesystem://") and config["eager"] is False
    queue = tmp_path / "celery" / "messages"
    assert config["options"]["data_folder_in"] == config["options"]["data_folder_out"] == str(queue)
    assert queue.is_dir() and config["beat_file"].startswith(str(tmp_path))
    assert config["tasks"] == [
        "complaints.tasks.escalate_overdue",
        "crm_site.tasks.purge_idempotency_records",
        "guests.tasks.retention_anonymise",
        "nightly.tasks.start_pipeline",
        "outbox.tasks.deliver_due",
    ]

    redis = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=local_env(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    config = json.loads(redis.stdout.strip().splitlines()[-1])
    assert config["broker"] == "redis://127.0.0.1:6379/0" and config["options"] == {} and config["eager"] is False


def test_make_run_worker_escalates_an_overdue_complaint_within_its_period(tmp_path):
    env = local_env(tmp_path, COMPLAINT_ESCALATION_INTERVAL=str(PERIOD))
    created = manage(
        env,
        "shell",
        "-c",
        "import datetime as dt\n"
        "from django.core.management import call_command\n"
        "from django.utils import timezone\n"
        "call_command('migrate', '--noinput', verbosity=0)\n"
        "from tests.complaints.factories import ComplaintFactory\n"
        "from tests.factories import PropertyFactory\n"
        "c = ComplaintFactory(property=PropertyFactory(code='LIS'), severity='critical',"
        " received_at=timezone.now() - dt.timedelta(hours=2))\n"
        "print('complaint', c.pk)\n",
    )
    complaint_id = int(re.search(r"complaint (\d+)", created).group(1))
    from complaints.models import ComplaintEscalation

    table = ComplaintEscalation._meta.db_table
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [*CELERY, *worker_args()], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90  # worker start-up (a few seconds) + the period, with room for a busy CI
        escalated = []
        while time.monotonic() < deadline and not escalated and worker.poll() is None:
            time.sleep(0.5)
            with sqlite3.connect(tmp_path / "crm.sqlite3", timeout=10) as db:
                escalated = db.execute(f"SELECT kind FROM {table} WHERE complaint_id = ?", [complaint_id]).fetchall()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert escalated, f"no escalation; worker said:\n{output[-4000:]}"
    assert ("first_response",) in escalated
    # The worker logs JSON lines carrying the task id, like the web processes.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line["task_name"] == "complaints.tasks.escalate_overdue" and line["task_id"] for line in lines)


@pytest.mark.parametrize("value", ["24", "abc"])
def test_the_worker_refuses_to_start_with_a_bad_setting(tmp_path, value):
    result = subprocess.run(
        [*CELERY, *worker_args()],
        cwd=ROOT,
        env=local_env(tmp_path, NIGHTLY_HOUR=value),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "The Celery worker refuses to start" in result.stderr
    assert "NIGHTLY_HOUR must be a whole number from 0 to 23" in result.stderr and value in result.stderr
