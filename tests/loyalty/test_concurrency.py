"""Races on real PostgreSQL connections: the balance never goes negative and a stay
never earns twice, whatever the interleaving."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from crm_site.errors import DomainError
from loyalty import services
from loyalty.models import Membership, PointsTransaction, StayCredit
from tests.factories import GuestFactory, StayFactory

from .conftest import assert_consistent
from .factories import MembershipFactory, RewardFactory, give_points

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers: int, action):
    """Start ``workers`` threads (each with its own database connection) at once."""
    barrier = threading.Barrier(workers)
    outcomes = []

    def run(n):
        try:
            barrier.wait(timeout=10)
            action(n)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.field)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_two_concurrent_redemptions_cannot_overdraw(tiers):
    membership = MembershipFactory(tier=tiers["member"])
    give_points(membership, 1000)
    reward = RewardFactory(points_cost=800)

    outcomes = race(
        2,
        lambda n: services.points_redeem(
            membership=Membership.objects.get(pk=membership.pk), reward=reward, idempotency_key=f"race-{n}"
        ),
    )

    assert outcomes == ["ok", "points"]
    assert_consistent(membership)
    assert membership.points_balance == 200


def test_many_concurrent_spends_take_exactly_what_is_there(tiers):
    membership = MembershipFactory(tier=tiers["member"])
    give_points(membership, 1000)

    outcomes = race(
        8,
        lambda n: services.points_spend(
            membership=Membership.objects.get(pk=membership.pk), points=300, reason="Bill", idempotency_key=f"s-{n}"
        ),
    )

    assert outcomes.count("ok") == 3 and outcomes.count("points") == 5
    assert_consistent(membership)
    assert membership.points_balance == 100
    assert sorted(PointsTransaction.objects.filter(kind="redeem").values_list("balance_after", flat=True)) == [
        100,
        400,
        700,
    ]


def test_the_same_stay_posted_concurrently_earns_once(tiers):
    membership = MembershipFactory(tier=tiers["member"])
    stay = StayFactory(guest=membership.guest, room_revenue=Decimal("100"))

    outcomes = race(4, lambda n: services.stay_points_sync(stay_id=stay.pk))

    assert outcomes == ["ok"] * 4
    assert PointsTransaction.objects.filter(stay=stay).count() == 1
    assert_consistent(membership)


def test_concurrent_compensations_with_one_key_enrol_and_post_once(tiers):
    guest = GuestFactory()

    outcomes = race(
        3,
        lambda n: services.points_post_compensation(
            guest=guest, points=500, reason="Complaint #9", idempotency_key="complaint:9"
        ),
    )

    assert outcomes == ["ok"] * 3
    membership = Membership.objects.get(guest=guest)
    assert membership.transactions.count() == 1
    assert_consistent(membership)


def test_concurrent_batches_for_one_member_who_changes_tier_post_every_point_at_once(tiers):
    """Two stays_upserted tasks for one member at once, each pushing the member up a
    tier: neither fails (the member's lock is taken without the tier join a concurrent
    upgrade would invalidate), every stay is credited at once, and the ledger ends as
    if the stays had arrived in date order."""
    year = dt.date.today().year - 1
    nights = tiers["silver"].qualifying_nights // 2 + 1  # two stays reach Silver

    def member_with_stays():
        membership, _created = services.membership_enrol(guest=GuestFactory(), enrolled_on=dt.date(year, 1, 1))
        stays = [
            StayFactory(
                guest=membership.guest,
                arrival_date=dt.date(year, 2, 1) + dt.timedelta(days=30 * i),
                departure_date=dt.date(year, 2, 1) + dt.timedelta(days=30 * i + nights),
                room_revenue=Decimal("100.00") * (i + 1),
            )
            for i in range(4)
        ]
        return membership, stays

    reference, reference_stays = member_with_stays()
    services.stays_points_sync(stay_ids=[s.pk for s in reference_stays])
    expected = list(
        StayCredit.objects.filter(membership=reference)
        .order_by("departure_date")
        .values_list("earn_multiplier", "points")
    )
    assert {multiplier for multiplier, _points in expected} == {Decimal("1.00"), Decimal("1.10")}

    for _attempt in range(20):
        membership, stays = member_with_stays()
        batches = [[s.pk for s in stays[0::2]], [s.pk for s in stays[1::2]]]

        outcomes = race(2, lambda n, batches=batches: services.stays_points_sync(stay_ids=batches[n]))

        assert outcomes == ["ok", "ok"]
        credits = StayCredit.objects.filter(membership=membership).order_by("departure_date")
        assert list(credits.values_list("earn_multiplier", "points")) == expected
        assert_consistent(membership)
        assert membership.points_balance == sum(points for _multiplier, points in expected)
        assert membership.tier == tiers["silver"]
