"""Demo history for the dashboards: the pyramid as it stood two and one months ago, so
the migration matrix and the trend have something to compare.  Today's run is made by
``make nightly`` (``run_segmentation``) after seeding.  Idempotent: a date that already
has a completed run is left alone."""

from __future__ import annotations

import datetime as dt

from crm_site.errors import DomainError

from . import services
from .models import SegmentationRun

HISTORY_DAYS_AGO = (60, 30)


def seed(ctx) -> None:
    done = set(SegmentationRun.objects.filter(status=SegmentationRun.Status.COMPLETED).values_list("as_of", flat=True))
    for days in HISTORY_DAYS_AGO:
        as_of = ctx.today - dt.timedelta(days=days)
        if as_of in done:
            continue
        try:
            run = services.segmentation_run(as_of=as_of, trigger=SegmentationRun.Trigger.DEMO)
        except DomainError as exc:  # e.g. a chain with no stay that far back
            ctx.log.append(f"analytics: no run as of {as_of}: {exc.message}")
            continue
        ctx.log.append(f"analytics: pyramid as of {as_of}: {run.active_count} active guests, {run.segment_counts}")
