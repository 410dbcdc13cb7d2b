"""The demo chain: its hotels' occupancy last year is plausible, and the facts are built."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from guests.models import Property
from performance.demo import PLAUSIBLE, _occupancy
from performance.models import NightFact


@pytest.mark.django_db
def test_seed_demo_sizes_rooms_to_sell_and_builds_the_facts():
    call_command("seed_demo", guests=300, seed=7)
    assert NightFact.objects.exists()
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=364)
    for prop in Property.objects.all():
        nights, available = _occupancy(prop.pk, start, end)
        # A demo hotel of a handful of rooms cannot land in the band (one room is 1/n of it).
        if nights and available and available / 365 >= 10:
            assert PLAUSIBLE[0] <= nights / available <= PLAUSIBLE[1], prop.code
        elif nights and available:  # a handful of rooms: one room more or less is a big step
            assert 0.3 <= nights / available <= 1.2, prop.code
    before = list(Property.objects.values_list("room_inventory__rooms", flat=True).order_by("pk", "room_inventory__pk"))
    call_command("seed_demo", guests=300, seed=7)
    after = list(Property.objects.values_list("room_inventory__rooms", flat=True).order_by("pk", "room_inventory__pk"))
    assert after == before
