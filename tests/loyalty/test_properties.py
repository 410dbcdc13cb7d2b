"""Property-based tests (hypothesis): member-number check digits, ledger invariants under
random sequences of movements, and stays posted in any order and batches."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from crm_site.errors import DomainError
from loyalty import numbers, services
from loyalty.models import PointsTransaction, StayCredit, TierChange
from tests.factories import GuestFactory, StayFactory

from .factories import RewardFactory

pytestmark = pytest.mark.django_db

payloads = st.integers(min_value=0, max_value=10**numbers.PAYLOAD_DIGITS - 1)


def member_number(payload: int) -> str:
    digits = f"{payload:0{numbers.PAYLOAD_DIGITS}d}"
    return f"{numbers.PREFIX}{digits}{numbers.luhn_check_digit(digits)}"


# --- Member numbers -------------------------------------------------------------------------


@given(payloads)
def test_every_issued_number_validates_in_any_spelling(payload):
    number = member_number(payload)

    assert numbers.is_member_number(number)
    assert numbers.is_member_number(f" {number[:4].lower()}-{number[4:7]} {number[7:]} ")


@given(payloads, st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(payload, position, shift):
    number = member_number(payload)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]

    assert not numbers.is_member_number(changed)


@given(payloads, st.integers(min_value=1, max_value=8))
def test_swapping_two_neighbouring_digits_is_caught_except_09(payload, position):
    number = member_number(payload)
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]

    if a == b:
        assert swapped == number
    elif {a, b} == {"0", "9"}:
        # Luhn's one blind spot: 09 and 90 add up alike once doubled.
        assert numbers.is_member_number(swapped)
    else:
        assert not numbers.is_member_number(swapped)


def test_new_member_numbers_are_valid():
    assert all(numbers.is_member_number(numbers.new_member_number()) for _ in range(500))


# --- Ledger invariants ----------------------------------------------------------------------


class Ledger(RuleBasedStateMachine):
    """Random earn / spend / redeem / adjust / expire on one member: the balance always
    equals the sum of the ledger and its last running balance, and is never negative;
    a movement that would overdraw is refused naming ``points`` and writes nothing."""

    def __init__(self):
        super().__init__()
        self.membership, _created = services.membership_enrol(guest=GuestFactory())
        self.expected = 0
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"prop:{self.membership.pk}:{self.keys}"

    def attempt(self, points: int, action) -> None:
        rows = PointsTransaction.objects.filter(membership=self.membership).count()
        try:
            action()
        except DomainError as error:
            assert error.field == "points"
            assert self.expected + points < 0
            assert PointsTransaction.objects.filter(membership=self.membership).count() == rows
        else:
            assert self.expected + points >= 0
            self.expected += points

    @rule(points=st.integers(min_value=1, max_value=5000))
    def earn(self, points):
        services.points_earn(membership=self.membership, points=points, reason="Promo", idempotency_key=self.key())
        self.expected += points

    @rule(points=st.integers(min_value=1, max_value=5000))
    def spend(self, points):
        self.attempt(
            -points,
            lambda: services.points_spend(
                membership=self.membership, points=points, reason="Bill", idempotency_key=self.key()
            ),
        )

    @rule(points=st.integers(min_value=-5000, max_value=5000).filter(bool))
    def adjust(self, points):
        self.attempt(
            points,
            lambda: services.points_adjust(
                membership=self.membership, points=points, reason="Fix", idempotency_key=self.key()
            ),
        )

    @rule(cost=st.integers(min_value=1, max_value=5000))
    def redeem(self, cost):
        reward = RewardFactory(points_cost=cost)
        self.attempt(
            -cost,
            lambda: services.points_redeem(membership=self.membership, reward=reward, idempotency_key=self.key()),
        )

    @rule()
    def expire(self):
        # Everything here is effective today: 25 months on, all of it has lapsed.
        services.points_expire(as_of=dt.date.today() + dt.timedelta(days=25 * 31))
        self.expected = 0

    @invariant()
    def balance_is_the_ledger(self):
        self.membership.refresh_from_db()
        rows = PointsTransaction.objects.filter(membership=self.membership)
        last = rows.order_by("-id").first()
        assert self.membership.points_balance == (rows.aggregate(s=Sum("points"))["s"] or 0) == self.expected
        assert self.membership.points_balance == (last.balance_after if last else 0) >= 0
        assert not rows.filter(balance_after__lt=0).exists()


def test_ledger_invariants_hold_under_random_movements(tiers):
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )


# --- Posting order --------------------------------------------------------------------------

START = dt.date(dt.date.today().year - 3, 1, 1)
stay_lists = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=(dt.date.today() - START).days - 20),
        st.integers(min_value=1, max_value=14),
        st.integers(min_value=20, max_value=4000),
    ),
    min_size=1,
    max_size=10,
)


def posted_member(stays, arrival):
    """A member with these stays, posted by ``arrival(stay ids)``; what they earned."""
    membership, _created = services.membership_enrol(guest=GuestFactory(), enrolled_on=START)
    ids = [
        StayFactory(
            guest=membership.guest,
            arrival_date=START + dt.timedelta(days=offset),
            departure_date=START + dt.timedelta(days=offset + nights),
            room_revenue=Decimal(revenue),
        ).pk
        for offset, nights, revenue in stays
    ]
    arrival(ids)
    services.tiers_requalify()
    membership.refresh_from_db()
    by_stay = {c.stay_id: (c.earn_multiplier, c.points) for c in StayCredit.objects.filter(stay_id__in=ids)}
    history = list(
        TierChange.objects.current()
        .filter(membership=membership)
        .order_by("effective_on", "id")
        .values_list("effective_on", "kind", "to_tier__code", "valid_until")
    )
    return {
        "credits": [by_stay[i] for i in ids],
        "tier": (membership.tier.code, membership.tier_valid_until, membership.tier_since),
        "balance": membership.points_balance,
        "history": history,
    }


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(stays=stay_lists, order=st.randoms(use_true_random=False), cuts=st.integers(min_value=1, max_value=4))
def test_the_same_stays_earn_the_same_in_any_order_and_batches(tiers, stays, order, cuts):
    def in_date_order(ids):
        services.stays_points_sync(stay_ids=ids)

    def in_random_batches(ids):
        shuffled = list(ids)
        order.shuffle(shuffled)
        size = max(1, len(shuffled) // cuts)
        for start in range(0, len(shuffled), size):
            services.stays_points_sync(stay_ids=shuffled[start : start + size])

    assert posted_member(stays, in_random_batches) == posted_member(stays, in_date_order)
