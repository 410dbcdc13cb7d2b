"""The facts kept by difference: after any sequence of stay writes (new stays, new dates
and amounts, status changes, another guest or hotel, deletions) the refreshed tables are
the rebuilt tables row for row; a refresh run twice moves nothing the second time; its
statements do not grow with the history."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guests.models import Stay
from performance.models import NightFact, StayFact
from performance.services import facts_rebuild, facts_refresh_stays
from performance.tasks import refresh_stay_facts
from tests.factories import GuestFactory, StayFactory
from tests.performance.facts_tables import fact_tables

START = dt.date(2025, 12, 20)
STATUSES = [s.value for s in Stay.Status]


def _rebuilt() -> dict:
    """The tables a whole rebuild makes now (rolled back: the refreshes go on)."""
    with transaction.atomic():
        facts_rebuild()
        tables = fact_tables()
        transaction.set_rollback(True)
    return tables


def _dates(rng: random.Random) -> dict:
    arrival = START + dt.timedelta(days=rng.randrange(40))
    nights = rng.choice([0, 1, 1, 2, 3, 5])
    return {"arrival_date": arrival, "departure_date": arrival + dt.timedelta(days=nights), "nights": nights}


def _new_stay(rng: random.Random, hotels, guests) -> Stay:
    booked = rng.choice([None, dt.date(2025, 10, 3), dt.date(2025, 11, 28)])
    return StayFactory(
        property=rng.choice(hotels),
        guest=rng.choice(guests),
        status=rng.choice(STATUSES),
        room_revenue=Decimal(rng.randrange(-500, 90000)) / 100,
        fnb_revenue=Decimal(rng.randrange(0, 5000)) / 100,
        other_revenue=Decimal(rng.choice([0, 1, 999])) / 100,
        adr=Decimal(rng.randrange(5000, 20000)) / 100,
        channel=rng.choice(["direct", "ota"]),
        lead_time_days=rng.choice([None, 0, 3, 40, 400]),
        booking_date=booked,
        is_repeated_guest=rng.random() < 0.1,
        **_dates(rng),
    )


def _write(rng: random.Random, op: str, hotels, guests, stays: list[Stay]) -> list[int]:
    """One stay write; the ids whose ``stays_upserted`` would follow."""
    if op == "create" or not stays:
        stays.append(_new_stay(rng, hotels, guests))
        return [stays[-1].pk]
    stay = rng.choice(stays)
    rows = Stay.objects.filter(pk=stay.pk)
    if op == "delete":
        stays.remove(stay)
        rows.delete()
    elif op == "dates":
        rows.update(**_dates(rng), room_revenue=Decimal(rng.randrange(0, 50000)) / 100)
    elif op == "status":
        rows.update(status=rng.choice(STATUSES))
    elif op == "guest":
        rows.update(guest=rng.choice(guests))
    elif op == "hotel":
        rows.update(property=rng.choice(hotels))
    return [stay.pk]


OPS = ["create", "create", "dates", "status", "guest", "hotel", "delete"]


@pytest.fixture
def cast(hotel, other_hotel):
    guests = [GuestFactory() for _ in range(3)]
    return [hotel, other_hotel], [*guests, None]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 2**32)), min_size=1, max_size=14),
    batch=st.integers(1, 4),
)
def test_refreshed_facts_are_the_rebuilt_facts(cast, steps, batch):
    hotels, guests = cast
    with transaction.atomic():
        rng = random.Random(len(steps))
        stays = [_new_stay(rng, hotels, guests) for _ in range(4)]
        facts_rebuild()
        pending: list[int] = []
        for i, (op, seed) in enumerate(steps):
            pending += _write(random.Random(seed), op, hotels, guests, stays)
            if (i + 1) % batch == 0 or i == len(steps) - 1:
                facts_refresh_stays(stay_ids=pending)
                pending = []
        assert fact_tables() == _rebuilt()
        transaction.set_rollback(True)


def test_a_new_realised_stay_makes_the_guests_later_stays_repeat_stays_at_every_hotel(hotel, other_hotel):
    guest = GuestFactory()
    later = StayFactory(property=other_hotel, guest=guest, arrival_date=dt.date(2026, 3, 1))
    facts_rebuild()
    assert StayFact.objects.get(stay_id=later.pk).is_repeat is False
    first = StayFactory(property=hotel, guest=guest, arrival_date=dt.date(2026, 1, 1))
    facts_refresh_stays(stay_ids=[first.pk])
    assert StayFact.objects.get(stay_id=later.pk).is_repeat is True
    assert set(NightFact.objects.filter(property=other_hotel).values_list("is_repeat", flat=True)) == {True}
    assert fact_tables() == _rebuilt()


def test_a_deleted_stay_leaves_the_facts_and_emptied_rows_go(hotel):
    stay = StayFactory(
        property=hotel, status="reserved", arrival_date=dt.date(2026, 5, 1), departure_date=dt.date(2026, 5, 1)
    )
    facts_refresh_stays(stay_ids=[stay.pk])
    assert NightFact.objects.get().stays == 1  # a day use: a row with no room night
    Stay.objects.filter(pk=stay.pk).delete()
    facts_refresh_stays(stay_ids=[stay.pk])
    assert not any(fact_tables().values())


def test_the_task_run_twice_moves_nothing_the_second_time(hotel, other_hotel):
    guest = GuestFactory()
    stays = [StayFactory(property=(hotel, other_hotel)[i % 2], guest=guest) for i in range(4)]
    ids = [s.pk for s in stays]
    first = refresh_stay_facts.run(ids)
    assert first["facts"]["changed"] == 4
    tables = fact_tables()
    again = refresh_stay_facts.run(ids)
    assert again["facts"]["changed"] == 0
    assert fact_tables() == tables == _rebuilt()


def _history(hotel, other_hotel, size: int) -> list[int]:
    guests = [GuestFactory() for _ in range(3)]
    for i in range(size):
        StayFactory(
            property=(hotel, other_hotel)[i % 2],
            guest=guests[i % 3],
            arrival_date=START + dt.timedelta(days=7 * i),
            departure_date=START + dt.timedelta(days=7 * i + 2),
        )
    facts_rebuild()
    batch = [
        StayFactory(property=hotel, guest=guests[i % 3], arrival_date=START + dt.timedelta(days=i)) for i in range(3)
    ]
    return [s.pk for s in batch]


def _statements(ids) -> int:
    with CaptureQueriesContext(connection) as ctx:
        facts_refresh_stays(stay_ids=ids)
    return len(ctx.captured_queries)


def test_a_refresh_runs_the_same_statements_whatever_the_history(hotel, other_hotel):
    """The baseline (tests/query_counts.json) locks the number; here it must not depend
    on how many stays the guests or the hotel had before."""
    small = _statements(_history(hotel, other_hotel, 3))
    Stay.objects.all().delete()
    large = _statements(_history(hotel, other_hotel, 40))
    assert small == large
