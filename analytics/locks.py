"""One segmentation at a time, across processes and machines.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), released when the
run ends or, if the worker dies, when its connection closes.  Other databases (the
embedded SQLite): a compare-and-set ``UPDATE`` on a lock row, which every database
executes atomically; a row left locked by a crashed process expires after
``STALE_AFTER``.  Either way a second run is refused at once with a ``ConflictError``
instead of queuing behind the first.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import zlib
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError

from .models import SegmentationLock

LOCK_NAME = "analytics.segmentation"
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())  # a stable 32-bit key, unique to this job
STALE_AFTER = dt.timedelta(hours=2)  # well above the Celery hard time limit (30 min)

# PostgreSQL advisory locks are re-entrant within a session; refuse nesting ourselves so
# a run started from inside another run is refused on every database alike.
_local = threading.local()


def _refuse():
    raise ConflictError(_("A segmentation run is already in progress; try again when it has finished."))


@contextmanager
def segmentation_lock():
    if getattr(_local, "held", False):
        _refuse()
    if connection.vendor == "postgresql":
        acquire, release = _advisory_lock()
    else:
        acquire, release = _row_lock()
    if not acquire():
        _refuse()
    _local.held = True
    try:
        yield
    finally:
        _local.held = False
        release()


def _advisory_lock():
    def acquire() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            return bool(cursor.fetchone()[0])

    def release() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])

    return acquire, release


def _row_lock():
    token = uuid.uuid4().hex

    def acquire() -> bool:
        with transaction.atomic():
            SegmentationLock.objects.get_or_create(name=LOCK_NAME)
            now = timezone.now()
            taken = (
                SegmentationLock.objects.filter(name=LOCK_NAME)
                .filter(Q(locked_at__isnull=True) | Q(locked_at__lt=now - STALE_AFTER))
                .update(token=token, locked_at=now)
            )
        return taken == 1

    def release() -> None:
        SegmentationLock.objects.filter(name=LOCK_NAME, token=token).update(token="", locked_at=None)

    return acquire, release
