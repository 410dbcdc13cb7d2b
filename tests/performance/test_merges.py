"""A merge (and its undo) moves stays between guests: the hotel reports' facts (repeat
guests) and the guest journeys follow at once, equal to a rebuild from scratch."""

from __future__ import annotations

import datetime as dt

import pytest

from guests.services import guest_merge, guest_merge_undo
from performance.models import BookingFact, CohortFact, GuestRateFact, JourneyStay, NightFact
from performance.services import facts_rebuild
from tests.factories import GuestFactory, StayFactory

pytestmark = pytest.mark.django_db
START = dt.date(2025, 1, 6)


def tables() -> dict:
    def rows(model, *exclude):
        columns = [f.attname for f in model._meta.fields if f.name not in ("id", *exclude)]
        return sorted(model.objects.values_list(*columns), key=str)

    return {
        "nights": rows(NightFact),
        "bookings": rows(BookingFact),
        "journeys": rows(JourneyStay),
        "rates": rows(GuestRateFact),
        "cohorts": rows(CohortFact),
    }


def _stay(guest, hotel, days):
    arrival = START + dt.timedelta(days=days)
    return StayFactory(
        guest=guest,
        property=hotel,
        arrival_date=arrival,
        departure_date=arrival + dt.timedelta(days=2),
        nights=2,
        status="checked_out",
        is_repeated_guest=False,
        previous_bookings_not_canceled=0,
    )


def test_merge_and_undo_refresh_the_facts_and_journeys(hotel, other_hotel, django_capture_on_commit_callbacks):
    survivor, duplicate = GuestFactory(), GuestFactory()
    _stay(survivor, hotel, 200)  # first at this hotel... until the duplicate's earlier stays join it
    _stay(survivor, other_hotel, 300)
    _stay(duplicate, hotel, 10)
    _stay(duplicate, other_hotel, 100)
    facts_rebuild()
    before = tables()
    assert sum(1 for row in before["journeys"] if row[1] == survivor.pk) == 2

    with django_capture_on_commit_callbacks(execute=True):
        merge = guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk)
    merged = tables()
    assert merged != before
    assert sum(1 for row in merged["journeys"] if row[1] == survivor.pk) == 4
    facts_rebuild()
    assert tables() == merged  # what the refresh left is what a rebuild makes

    with django_capture_on_commit_callbacks(execute=True):
        guest_merge_undo(merge_id=merge.pk)
    undone = tables()
    facts_rebuild()
    assert tables() == undone == before
