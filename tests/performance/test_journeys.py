"""The guest journeys: what a refresh after stay writes leaves equals a rebuild from
scratch, whatever the writes (dates, statuses, hotels, the guest a stay belongs to)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guests.models import Stay
from performance.models import CohortFact, GuestRateFact, JourneyStay
from performance.services import journeys_rebuild, journeys_refresh_stays
from tests.factories import GuestFactory, StayFactory

START = dt.date(2024, 1, 1)
STATUSES = ["checked_out", "in_house", "cancelled", "no_show", "reserved"]

stay = st.tuples(
    st.integers(min_value=0, max_value=3),  # guest (3: none)
    st.integers(min_value=0, max_value=1),  # hotel
    st.integers(min_value=0, max_value=800),  # arrival day
    st.integers(min_value=0, max_value=4),  # nights
    st.sampled_from(STATUSES),
)
change = st.tuples(st.integers(min_value=0, max_value=20), stay)


def snapshot() -> dict:
    return {
        "journeys": sorted(JourneyStay.objects.values_list(*[f.attname for f in JourneyStay._meta.fields])),
        "rates": sorted(
            GuestRateFact.objects.values_list("scope_id", "arrival_month", "lag", "lag_month", "has_earlier", "stays")
        ),
        "cohorts": sorted(
            CohortFact.objects.values_list("cohort_month", "property_id", "first_departure", "guests", "converted")
        ),
    }


def _values(guests, hotels, spec) -> dict:
    guest, hotel, day, nights, status = spec
    arrival = START + dt.timedelta(days=day)
    return {
        "guest": guests[guest] if guest < len(guests) else None,
        "property": hotels[hotel],
        "arrival_date": arrival,
        "departure_date": arrival + dt.timedelta(days=nights),
        "nights": nights,
        "status": status,
    }


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(stays=st.lists(stay, min_size=1, max_size=14), changes=st.lists(change, min_size=1, max_size=6))
def test_a_refresh_after_changes_equals_a_rebuild(hotel, other_hotel, stays, changes):
    Stay.objects.all().delete()
    guests, hotels = [GuestFactory(), GuestFactory(), GuestFactory()], [hotel, other_hotel]
    written = [StayFactory(**_values(guests, hotels, spec)) for spec in stays]
    journeys_rebuild()
    for index, spec in changes:
        target = written[index % len(written)]
        Stay.objects.filter(pk=target.pk).update(**_values(guests, hotels, spec))
        journeys_refresh_stays(stay_ids=[target.pk])
    refreshed = snapshot()
    journeys_rebuild()
    assert refreshed == snapshot()


def test_the_nightly_rebuild_is_idempotent(hotel):
    guest = GuestFactory()
    for days in (0, 40, 400):
        StayFactory(guest=guest, property=hotel, arrival_date=START + dt.timedelta(days=days))
    journeys_rebuild()
    first = snapshot()
    assert len(first["journeys"]) == 3 and first["cohorts"][0][3:] == (1, 1)
    journeys_rebuild()
    assert snapshot() == first
