"""Points expiry: the whole balance expires after the expiry period without activity."""

import datetime as dt

import pytest

from loyalty import services, tasks
from loyalty.models import PointsTransaction

from .conftest import assert_consistent
from .factories import RewardFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def expiry_months(settings):
    settings.LOYALTY_POINTS_EXPIRY_MONTHS = 24


def earn_on(membership, day, points, key):
    services.points_earn(membership=membership, points=points, reason="Promo", idempotency_key=key, effective_on=day)


def test_months_before_clamps_to_the_end_of_the_month():
    assert services.months_before(dt.date(2031, 3, 31), 1) == dt.date(2031, 2, 28)
    assert services.months_before(dt.date(2031, 6, 15), 24) == dt.date(2029, 6, 15)
    assert services.months_before(dt.date(2032, 2, 29), 24) == dt.date(2030, 2, 28)


def test_inactive_balances_expire_and_active_ones_do_not(member):
    cutoff = services.months_before(TODAY, 24)
    inactive, active, borderline = member(), member(), member()
    earn_on(inactive, cutoff - dt.timedelta(days=1), 1200, "i1")
    earn_on(active, cutoff - dt.timedelta(days=400), 900, "a1")
    earn_on(active, TODAY - dt.timedelta(days=30), 100, "a2")
    earn_on(borderline, cutoff, 500, "b1")  # exactly 24 months: still active

    stats = services.points_expire(as_of=TODAY)

    assert stats == {"candidates": 1, "expired_members": 1, "expired_points": 1200}
    expiry = inactive.transactions.get(kind=PointsTransaction.Kind.EXPIRE)
    assert expiry.points == -1200
    assert expiry.effective_on == TODAY
    assert (cutoff - dt.timedelta(days=1)).isoformat() in expiry.reason
    for membership in (inactive, active, borderline):
        assert_consistent(membership)
    assert (inactive.points_balance, active.points_balance, borderline.points_balance) == (0, 1000, 500)


def test_a_redemption_counts_as_activity(member):
    membership = member()
    earn_on(membership, TODAY - dt.timedelta(days=3 * 365), 2000, "e1")
    services.points_redeem(membership=membership, reward=RewardFactory(points_cost=500), idempotency_key="r")

    assert services.points_expire(as_of=TODAY)["expired_members"] == 0
    assert_consistent(membership)


def test_expiry_rerun_the_same_night_changes_nothing(member):
    membership = member()
    earn_on(membership, TODAY - dt.timedelta(days=5 * 365), 700, "old")

    first = tasks.expire_points(TODAY.isoformat())
    second = tasks.expire_points(TODAY.isoformat())

    assert first["expired_points"] == 700
    assert second == {"candidates": 0, "expired_members": 0, "expired_points": 0}
    assert membership.transactions.filter(kind=PointsTransaction.Kind.EXPIRE).count() == 1
    assert_consistent(membership)


def test_points_earned_after_an_expiry_start_a_new_period(member):
    membership = member()
    earn_on(membership, TODAY - dt.timedelta(days=6 * 365), 700, "old")
    services.points_expire(as_of=TODAY - dt.timedelta(days=3 * 365))
    earn_on(membership, TODAY - dt.timedelta(days=1000), 300, "new")

    stats = services.points_expire(as_of=TODAY)

    assert stats["expired_points"] == 300
    assert membership.transactions.filter(kind=PointsTransaction.Kind.EXPIRE).count() == 2
    assert_consistent(membership)


def test_a_future_business_date_is_refused(member):
    from crm_site.errors import DomainError

    with pytest.raises(DomainError) as error:
        earn_on(member(), TODAY + dt.timedelta(days=1), 10, "f")
    assert error.value.field == "effective_on"


def test_points_back_dated_into_an_expired_period_expire_again(member):
    """A late stay (or a back-dated earn) lands on a date already expired: the next run
    expires it under a new key instead of failing on the first expiry's key."""
    membership = member()
    old = TODAY - dt.timedelta(days=4 * 365)
    earn_on(membership, old, 700, "old")
    services.points_expire(as_of=TODAY)
    earn_on(membership, old, 200, "late")

    stats = services.points_expire(as_of=TODAY)

    assert stats["expired_points"] == 200
    assert list(membership.transactions.filter(kind="expire").values_list("points", flat=True)) == [-200, -700]
    assert_consistent(membership)
    assert membership.points_balance == 0


def test_the_nightly_commands_refuse_a_malformed_date(member):
    from django.core.management import CommandError, call_command

    for command in ("expire_points", "requalify_tiers"):
        for bad in ("15/06/2031", "9999-01-01", "2031-02-30"):
            with pytest.raises(CommandError, match="--as-of"):
                call_command(command, "--as-of", bad)
