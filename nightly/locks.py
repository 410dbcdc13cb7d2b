"""One job at a time across processes and machines — and a way to tell a killed job.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), released when the
job ends or, if its process dies, when its connection closes.  Other databases (the
embedded SQLite): a compare-and-set ``UPDATE`` on a :class:`~nightly.models.JobLock` row
naming its owner (host and process id); the row is free once released, once its owner
process on this host has gone, or after ``STALE_AFTER`` for an owner on another host.

Either way a job that finds the lock free while its record still says *running* knows
that record's process was killed: that is how the nightly pipeline and the segmentation
mark an interrupted run failed on the next start.  A busy lock is refused at once with
:class:`JobLockBusy` (a ``ConflictError``) instead of queuing behind the holder.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
import zlib
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError

from .models import JobLock

STALE_AFTER = dt.timedelta(hours=2)  # well above the Celery hard time limit (30 min)

# PostgreSQL advisory locks are re-entrant within a session; refuse nesting ourselves so
# a job started from inside the same job is refused on every database alike.
_local = threading.local()


class JobLockBusy(ConflictError):
    """Another process (or this one, further up the stack) holds the lock."""


def advisory_key(name: str) -> int:
    """A stable 32-bit key, unique to the job name."""
    return zlib.crc32(name.encode())


def _held() -> set[str]:
    if not hasattr(_local, "names"):
        _local.names = set()
    return _local.names


@contextmanager
def job_lock(name: str, *, busy_message: str | None = None):
    """Hold the lock named ``name`` for the block, or raise :class:`JobLockBusy`."""
    message = busy_message or _("Another process is running this job; try again when it has finished.")
    if name in _held():
        raise JobLockBusy(message)
    acquire, release = _advisory(name) if connection.vendor == "postgresql" else _row(name)
    if not acquire():
        raise JobLockBusy(message)
    _held().add(name)
    try:
        yield
    finally:
        _held().discard(name)
        release()


@contextmanager
def job_lock_if_free(name: str):
    """Yield True holding the lock when it is free, False (holding nothing) when busy."""
    lock = job_lock(name)
    try:
        lock.__enter__()
    except JobLockBusy:
        yield False
        return
    try:
        yield True
    finally:
        lock.__exit__(None, None, None)


def _advisory(name: str):
    key = advisory_key(name)

    def acquire() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            return bool(cursor.fetchone()[0])

    def release() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])

    return acquire, release


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours, or cannot tell: assume alive
    return True


def owner_gone(lock: JobLock, *, now: dt.datetime | None = None) -> bool:
    """Is the row's holder certainly gone (dead process on this host, or too old)?"""
    now = now or timezone.now()
    if lock.locked_at is None or lock.locked_at < now - STALE_AFTER:
        return True
    host, _sep, pid = lock.owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _process_alive(int(pid))
    return False


def _row(name: str):
    token = uuid.uuid4().hex

    def acquire() -> bool:
        with transaction.atomic():
            JobLock.objects.get_or_create(name=name)
        lock = JobLock.objects.get(name=name)
        if lock.token and not owner_gone(lock):
            return False
        # Compare-and-set on the token we read: of two processes taking over the same
        # free or stale row, only one update matches.
        taken = JobLock.objects.filter(name=name, token=lock.token).update(
            token=token, owner=_me(), locked_at=timezone.now()
        )
        return taken == 1

    def release() -> None:
        JobLock.objects.filter(name=name, token=token).update(token="", owner="", locked_at=None)

    return acquire, release
