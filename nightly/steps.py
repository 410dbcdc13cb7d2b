"""The pipeline's steps, in order, each a call to the one service that owns the job.

A step reads what the step before it wrote for the same as-of date: the segmentation
ranks guests after tiers and points are settled, the churn scan reads that night's
segments, the care list reads that night's churn warnings.  Each service is idempotent
for its date, so rerunning a date is safe.  The services are looked up when a step runs
(not imported here), so the apps that own them stay free to change inside.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

from .models import NightlyRun, NightlyStep

Name = NightlyStep.Name


@dataclass(frozen=True)
class Step:
    name: str
    perform: Callable[[dt.date, str], dict]

    @property
    def label(self) -> str:
        return str(Name(self.name).label)


def _requalify_tiers(as_of: dt.date, trigger: str) -> dict:
    """Qualification counts every night stayed: first post the checked-out stays of the
    last week whose points task was lost on the way (broker down), then requalify."""
    from loyalty import services

    caught_up = services.stays_points_catch_up(as_of=as_of)
    return {**services.tiers_requalify(as_of=as_of), "points_caught_up": caught_up}


def _expire_points(as_of: dt.date, trigger: str) -> dict:
    from loyalty import services

    return services.points_expire(as_of=as_of)


def _segmentation(as_of: dt.date, trigger: str) -> dict:
    from analytics import services
    from analytics.models import SegmentationRun

    started_by = {
        NightlyRun.Trigger.SCHEDULE: SegmentationRun.Trigger.SCHEDULE,
        NightlyRun.Trigger.COMMAND: SegmentationRun.Trigger.COMMAND,
    }.get(trigger, SegmentationRun.Trigger.MANUAL)
    run = services.segmentation_run(as_of=as_of, trigger=started_by)
    return {
        "run": run.pk,
        "guests": run.guest_count,
        "active": run.active_count,
        "segments": run.segment_counts,
    }


def _churn_scan(as_of: dt.date, trigger: str) -> dict:
    from care import services

    return services.churn_scan(as_of=as_of)


def _care_list(as_of: dt.date, trigger: str) -> dict:
    from care import services

    return services.care_list_build(day=as_of)


def _performance_facts(as_of: dt.date, trigger: str) -> dict:
    """Rebuild the hotel performance facts from every stay (what the day's incremental
    refreshes may have missed: a refresh lost on the way, a guest's repeat status)."""
    from performance import services

    return services.facts_rebuild(as_of=as_of)


STEPS: tuple[Step, ...] = (
    Step(Name.REQUALIFY_TIERS, _requalify_tiers),
    Step(Name.EXPIRE_POINTS, _expire_points),
    Step(Name.SEGMENTATION, _segmentation),
    Step(Name.CHURN_SCAN, _churn_scan),
    Step(Name.CARE_LIST, _care_list),
    Step(Name.PERFORMANCE_FACTS, _performance_facts),
)
BY_NAME = {step.name: step for step in STEPS}


def as_counts(result) -> dict:
    """What a service returned, as plain JSON for the step row (dates as text)."""
    if not isinstance(result, dict):
        result = {"result": result}
    return json.loads(json.dumps(result, cls=DjangoJSONEncoder))
