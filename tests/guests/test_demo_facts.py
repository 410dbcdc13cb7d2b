"""``seed_demo`` fills the booking facts, rates and rooms to sell the way a chain's data
looks (issue #12): real time zones, lead times that are the days from booking to
arrival, ADR × nights = room revenue, the source's categories beside the CRM's
channel, cancellations that keep their value, CNY stays converted at their month's rate."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Q

from guests import demo, demo_facts
from guests.models import ExchangeRate, Property, RoomInventory, Stay
from tests.factories import PreferenceTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    PreferenceTypeFactory.create_batch(3)
    call_command("seed_demo", "--guests", "60", "--seed", "11", stdout=io.StringIO())


def demo_stays():
    return Stay.objects.filter(confirmation_number__startswith="D")


def check_the_demo_hotels_carry_their_real_time_zones():
    zones = dict(Property.objects.values_list("code", "timezone"))
    assert zones == {code: zone for code, _n, _c, _k, _cur, zone in demo.PROPERTIES}
    assert zones == {"SHA": "Asia/Shanghai", "BJS": "Asia/Shanghai", "LIS": "Europe/Lisbon", "ALG": "Europe/Lisbon"}


def check_demo_stays_carry_consistent_booking_facts():
    stays = demo_stays()
    assert stays.count() > 60
    assert not stays.filter(Q(booking_date__isnull=True) | Q(adr__isnull=True)).exists()
    assert all((s.arrival_date - s.booking_date).days == s.lead_time_days for s in stays)
    assert all(s.room_revenue == s.adr * s.nights for s in stays.filter(status="checked_out"))
    walk_ins = stays.filter(channel="walk_in")
    assert walk_ins.exists() and not walk_ins.exclude(lead_time_days=0).exists()
    groups = stays.filter(channel="group").values_list("lead_time_days", flat=True)
    corporate = stays.filter(channel="corporate").values_list("lead_time_days", flat=True)
    assert sum(groups) / len(groups) > sum(corporate) / len(corporate)  # groups book far ahead


def check_the_source_categories_sit_beside_the_crm_channel():
    pairs = set(demo_stays().values_list("channel", "distribution_channel", "market_segment"))
    assert pairs <= {(c, *source) for c, source in demo_facts.SOURCE_CATEGORIES.items()}
    assert ("ota", "TA/TO", "Online TA") in pairs
    assert not demo_stays().filter(channel="ota", agent_code="").exists()


def check_lost_bookings_keep_their_value_and_date():
    lost = demo_stays().filter(status__in=["cancelled", "no_show"])
    assert lost.exists()
    for stay in lost:
        assert stay.total_revenue == 0 and stay.lost_revenue == stay.adr * stay.nights > 0
        assert stay.booking_date <= stay.cancelled_on <= stay.departure_date
    assert not demo_stays().exclude(status__in=["cancelled", "no_show"]).filter(cancelled_on__isnull=False).exists()


def check_repeat_guests_count_their_earlier_stays():
    for stay in demo_stays().filter(guest__isnull=False).order_by("guest_id", "arrival_date")[:200]:
        earlier = demo_stays().filter(guest_id=stay.guest_id, confirmation_number__lt=stay.confirmation_number)
        assert stay.previous_bookings_not_canceled + stay.previous_cancellations == earlier.count()
        assert stay.is_repeated_guest == (stay.previous_bookings_not_canceled > 0)


def check_cny_stays_convert_at_the_rate_of_their_date():
    cny = demo_stays().filter(currency="CNY").select_related("property")
    assert cny.exists() and ExchangeRate.objects.filter(source="demo", currency="CNY").count() >= 36
    for stay in cny[:100]:
        rate = ExchangeRate.objects.filter(currency="CNY", valid_from__lte=stay.departure_date).latest("valid_from")
        if stay.departure_date <= stay.property.business_date():
            assert (stay.exchange_rate, stay.exchange_rate_date) == (rate.rate, rate.valid_from)


def check_every_demo_hotel_has_rooms_to_sell_with_a_history():
    entries = RoomInventory.objects.select_related("property")
    assert {e.property.code for e in entries} == set(demo_facts.INVENTORY)
    assert entries.count() == sum(len(h) for h in demo_facts.INVENTORY.values())
    # performance.demo sizes the rooms to the demo's few thousand guests (occupancy ~72 %),
    # keeping each hotel's history; the counts stay positive.
    assert all(e.rooms >= 1 for e in entries)


def test_seed_demo_fills_booking_facts_rates_and_rooms(seeded):
    """One seed (it takes seconds), every property of it."""
    check_the_demo_hotels_carry_their_real_time_zones()
    check_demo_stays_carry_consistent_booking_facts()
    check_the_source_categories_sit_beside_the_crm_channel()
    check_lost_bookings_keep_their_value_and_date()
    check_repeat_guests_count_their_earlier_stays()
    check_cny_stays_convert_at_the_rate_of_their_date()
    check_every_demo_hotel_has_rooms_to_sell_with_a_history()
