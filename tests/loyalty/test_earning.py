"""Earning from stays: per tier, idempotent re-posting, cancellations and corrections."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_site.errors import DomainError
from guests import money
from guests.models import ExchangeRate, Stay
from loyalty import services
from loyalty.models import PointsTransaction, StayCredit, Tier
from tests.factories import GuestFactory, StayFactory

from .conftest import assert_consistent
from .factories import RewardFactory

pytestmark = pytest.mark.django_db
# Long before "today", so no stay here counts towards this or last year's tier.
OLD = dt.date(2015, 3, 1)


@pytest.fixture(autouse=True)
def terms(settings):
    settings.LOYALTY_BASE_POINTS_PER_UNIT = 10
    settings.CHAIN_CURRENCY = "EUR"
    ExchangeRate.objects.update_or_create(currency="CNY", valid_from=money.SEED_FROM, defaults={"rate": "0.125"})


def old_stay(guest, **kwargs):
    kwargs.setdefault("arrival_date", OLD)
    kwargs.setdefault("room_revenue", Decimal("200.00"))
    kwargs.setdefault("fnb_revenue", Decimal("50.00"))
    kwargs.setdefault("other_revenue", Decimal("30.00"))
    return StayFactory(guest=guest, **kwargs)


@pytest.mark.parametrize("tier", ["member", "silver", "gold", "platinum"])
def test_a_checked_out_stay_earns_base_points_times_the_tier_multiplier(member, tiers, tier):
    membership = member(tier)
    stay = old_stay(membership.guest)

    txn, created = services.points_earn_for_stay(stay=stay)

    # room + F&B = 250 EUR (other revenue does not earn) × 10 base points × multiplier
    expected = int(Decimal("250") * 10 * tiers[tier].earn_multiplier)
    assert created
    assert txn.kind == PointsTransaction.Kind.EARN
    assert txn.points == expected
    assert txn.stay == stay
    assert txn.effective_on == stay.departure_date
    assert stay.confirmation_number in txn.reason
    assert_consistent(membership)


def test_the_multipliers_differ_by_tier(tiers):
    multipliers = [t.earn_multiplier for t in sorted(tiers.values(), key=lambda t: t.rank)]
    assert multipliers == sorted(multipliers) and len(set(multipliers)) == 4


def test_a_stay_in_another_currency_earns_on_its_chain_currency_value(member):
    membership = member()
    stay = old_stay(membership.guest, currency="CNY", room_revenue=Decimal("800"), fnb_revenue=Decimal("0"))

    txn, _created = services.points_earn_for_stay(stay=stay)

    assert txn.points == 800 * 0.125 * 10
    assert StayCredit.objects.get(stay=stay).qualifying_spend == Decimal("100.00")


def test_points_are_rounded_down(member):
    membership = member("silver")
    stay = old_stay(membership.guest, room_revenue=Decimal("10.09"), fnb_revenue=Decimal("0"))

    txn, _created = services.points_earn_for_stay(stay=stay)

    assert txn.points == 110  # 10.09 × 10 × 1.10 = 110.99


def test_reposting_the_same_stay_never_earns_twice(member):
    membership = member()
    stay = old_stay(membership.guest)
    first, created = services.points_earn_for_stay(stay=stay)

    again, created_again = services.points_earn_for_stay(stay=stay)
    services.stay_points_sync(stay_id=stay.pk)
    services.stays_points_sync(stay_ids=[stay.pk, stay.pk])

    assert created and not created_again
    assert again.pk == first.pk
    assert PointsTransaction.objects.filter(membership=membership).count() == 1
    assert_consistent(membership)


def test_the_upsert_hook_posts_once_per_stay(member, django_capture_on_commit_callbacks, hotel):
    """Import, API and task retry all end in stays_upserted: the stay key makes them one."""
    from guests import services as guest_services

    membership = member()
    row = {
        "property": hotel.code,
        "confirmation_number": "PMS-1",
        "guest": membership.guest_id,
        "arrival_date": OLD,
        "departure_date": OLD + dt.timedelta(days=3),
        "status": Stay.Status.CHECKED_OUT,
        "room_revenue": "300.00",
    }
    for _attempt in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            guest_services.stays_upsert(rows=[row])

    assert list(membership.transactions.values_list("kind", "points")) == [("earn", 3000)]
    assert_consistent(membership)


@pytest.mark.parametrize("status", [Stay.Status.CANCELLED, Stay.Status.NO_SHOW, Stay.Status.RESERVED])
def test_a_stay_that_is_not_checked_out_earns_nothing(member, status):
    membership = member()
    stay = old_stay(membership.guest, status=status)

    with pytest.raises(DomainError) as error:
        services.points_earn_for_stay(stay=stay)
    services.stays_points_sync(stay_ids=[stay.pk])

    assert error.value.field == "stay"
    assert not PointsTransaction.objects.exists()
    assert not StayCredit.objects.exists()


def test_a_non_member_stay_is_refused_and_skipped(db):
    stay = old_stay(GuestFactory())

    with pytest.raises(DomainError) as error:
        services.points_earn_for_stay(stay=stay)

    assert error.value.field == "stay"
    assert services.stays_points_sync(stay_ids=[stay.pk])["candidates"] == 0


def test_a_stay_that_ended_before_enrolment_only_earns_through_a_claim(member):
    membership = member(enrolled_on=OLD + dt.timedelta(days=30))
    stay = old_stay(membership.guest)

    assert services.stay_points_sync(stay_id=stay.pk) is None
    with pytest.raises(DomainError) as error:
        services.points_earn_for_stay(stay=stay)

    assert error.value.field == "stay"
    assert not PointsTransaction.objects.exists()


def test_a_corrected_stay_is_compensated_by_a_new_transaction_never_an_edit(member):
    membership = member("gold")
    stay = old_stay(membership.guest)
    earn, _created = services.points_earn_for_stay(stay=stay)
    # The member is upgraded before the correction arrives: the stay keeps its old price.
    membership.tier = Tier.objects.get(code="platinum")
    membership.save()

    Stay.objects.filter(pk=stay.pk).update(room_revenue=Decimal("400.00"))
    fix = services.stay_points_sync(stay_id=stay.pk)

    earn.refresh_from_db()
    assert earn.points == 3125  # unchanged: history is never edited
    assert fix.kind == PointsTransaction.Kind.ADJUST
    assert fix.points == int(Decimal("200") * 10 * Decimal("1.25"))
    assert fix.stay_id == stay.pk
    assert "corrected" in fix.reason
    assert services.stay_points_sync(stay_id=stay.pk) is None  # re-posting the correction: nothing
    assert_consistent(membership)


def test_a_stay_cancelled_after_posting_takes_its_points_back(member):
    membership = member()
    stay = old_stay(membership.guest)
    services.points_earn_for_stay(stay=stay)

    Stay.objects.filter(pk=stay.pk).update(status=Stay.Status.CANCELLED)
    reversal = services.stay_points_sync(stay_id=stay.pk)

    assert reversal.kind == PointsTransaction.Kind.ADJUST
    assert reversal.points == -2500
    assert StayCredit.objects.get(stay=stay).nights == 0  # no longer qualifies either
    assert_consistent(membership)
    assert membership.points_balance == 0


def test_a_reversal_never_takes_the_balance_below_zero(member):
    membership = member()
    stay = old_stay(membership.guest)
    services.points_earn_for_stay(stay=stay)
    services.points_redeem(membership=membership, reward=RewardFactory(points_cost=2000), idempotency_key="r1")

    Stay.objects.filter(pk=stay.pk).update(status=Stay.Status.CANCELLED)
    reversal = services.stay_points_sync(stay_id=stay.pk)

    assert reversal.points == -500
    assert "written off" in reversal.reason
    assert services.stay_points_sync(stay_id=stay.pk) is None
    assert_consistent(membership)
    assert membership.points_balance == 0


def test_a_stay_moved_to_another_member_moves_its_points(member):
    first, second = member(), member()
    stay = old_stay(first.guest)
    services.points_earn_for_stay(stay=stay)

    Stay.objects.filter(pk=stay.pk).update(guest=second.guest)
    services.stay_points_sync(stay_id=stay.pk)

    assert_consistent(first)
    assert_consistent(second)
    assert (first.points_balance, second.points_balance) == (0, 2500)
    assert StayCredit.objects.get(stay=stay).membership == second


def test_earning_moves_a_member_up_at_once(member, tiers):
    membership = member()
    last_year = dt.date.today().year - 1
    stay = StayFactory(
        guest=membership.guest,
        arrival_date=dt.date(last_year, 6, 1),
        departure_date=dt.date(last_year, 6, 1) + dt.timedelta(days=tiers["silver"].qualifying_nights),
    )

    services.points_earn_for_stay(stay=stay)

    membership.refresh_from_db()
    assert membership.tier == tiers["silver"]
    assert membership.tier_valid_until == dt.date(last_year + 1, 12, 31)  # last year's activity: to year end
    assert "Upgraded to Silver" in membership.tier_reason
