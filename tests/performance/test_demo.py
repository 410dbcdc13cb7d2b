"""The demo chain: its hotels' occupancy last year is plausible, and the facts are built."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from guests.models import Property
from performance.demo import PLAUSIBLE, _occupancy
from performance.models import NightFact
from performance.selectors import guest_filter, guest_rates


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
    _guest_rates_show_something()
    before = list(Property.objects.values_list("room_inventory__rooms", flat=True).order_by("pk", "room_inventory__pk"))
    call_command("seed_demo", guests=300, seed=7)
    after = list(Property.objects.values_list("room_inventory__rooms", flat=True).order_by("pk", "room_inventory__pk"))
    assert after == before


def _guest_rates_show_something():
    """The default period of the guest-level rates has figures in every section."""
    data = guest_rates(guest_filter({}, user=None))
    assert data["repeat"]["total"]["guests"] and data["repeat"]["total"]["repeat_guests"]
    assert data["repeat"]["last_year_total"]["guests"]
    assert sum(r["guests"] for r in data["conversion"]["by_month"])
    # The default period is the last 12 months: its cohorts are still maturing, last year's are not.
    assert data["conversion"]["last_year_total"]["guests"] and data["conversion"]["last_year_total"]["converted"]
    assert data["members"]["total"]["members"] and data["members"]["total"]["active_members"]
    assert data["churn"]["total"]["active_at_start"] and data["churn"]["total"]["opened"]
