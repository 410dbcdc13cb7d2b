"""Fixtures for the pipeline tests: a small chain to segment, and spies on the six
services the steps call (they call through, recording the order and the as-of date)."""

from __future__ import annotations

import pytest

from analytics.models import SegmentationRun
from nightly import services
from nightly.models import NightlyRun
from tests.analytics.factories import AS_OF, chain

# (module, function, keyword that carries the date) of each step, in pipeline order.
SERVICES = [
    ("loyalty.services", "tiers_requalify", "as_of"),
    ("loyalty.services", "points_expire", "as_of"),
    ("analytics.services", "segmentation_run", "as_of"),
    ("care.services", "churn_scan", "as_of"),
    ("care.services", "care_list_build", "day"),
    ("performance.services", "facts_rebuild", "as_of"),
]
STEP_NAMES = ["requalify_tiers", "expire_points", "segmentation", "churn_scan", "care_list", "performance_facts"]


@pytest.fixture
def guests_with_stays(db):
    return chain([300, 200, 100])


class Calls(list):
    """(step service, as-of date, current segmentation run id at the call) in call order."""

    def names(self) -> list[str]:
        return [name for name, _day, _current in self]


@pytest.fixture
def calls(monkeypatch) -> Calls:
    import importlib

    recorded = Calls()
    for module_name, function, keyword in SERVICES:
        module = importlib.import_module(module_name)
        real = getattr(module, function)

        def spy(*args, _real=real, _name=function, _keyword=keyword, **kwargs):
            current = SegmentationRun.objects.filter(is_current=True).values_list("pk", flat=True).first()
            recorded.append((_name, kwargs.get(_keyword), current))
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, function, spy)
    return recorded


@pytest.fixture
def request_run():
    """A run for a date with every step pending (nothing dispatched)."""

    def make(as_of=AS_OF, trigger=NightlyRun.Trigger.COMMAND, **kwargs) -> NightlyRun:
        return services.nightly_run_request(as_of=as_of, trigger=trigger, **kwargs)

    return make


def statuses(run: NightlyRun) -> list[str]:
    return list(run.steps.order_by("position").values_list("status", flat=True))
