"""Reads of the run table for the page and the API: runs with their steps in a fixed
number of queries (two), whatever the number of runs."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import NightlyRun, NightlyStep


def nightly_runs() -> QuerySet[NightlyRun]:
    """Every run, newest date first, with its steps in order and who asked for it."""
    return (
        NightlyRun.objects.select_related("requested_by")
        .prefetch_related(Prefetch("steps", queryset=NightlyStep.objects.order_by("position")))
        .order_by("-as_of")
    )
