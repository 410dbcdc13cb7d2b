"""One segmentation at a time, across processes and machines (``nightly.locks``: a
PostgreSQL advisory lock, or a lock row naming its owner process elsewhere).  A second
run is refused at once with a ``ConflictError`` instead of queuing behind the first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from nightly.locks import advisory_key, job_lock

LOCK_NAME = "analytics.segmentation"
ADVISORY_KEY = advisory_key(LOCK_NAME)


def segmentation_lock():
    return job_lock(
        LOCK_NAME, busy_message=_("A segmentation run is already in progress; try again when it has finished.")
    )
