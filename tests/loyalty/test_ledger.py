"""The points ledger: redemption, manual movements, the compensation contract, every bad
input (each refused naming its field, the ledger unchanged) and append-only history."""

import pytest
from django.db import IntegrityError, connection, transaction

from crm_site.errors import ConflictError, DomainError
from loyalty import numbers, services
from loyalty.models import Membership, PointsTransaction, Redemption
from tests.factories import GuestFactory

from .conftest import assert_consistent
from .factories import RewardFactory, give_points

pytestmark = pytest.mark.django_db


def ledger_snapshot():
    return list(PointsTransaction.objects.order_by("id").values_list("id", "points", "balance_after"))


@pytest.fixture
def funded(member):
    membership = member()
    give_points(membership, 5000, key="seed")
    return membership


def test_redeeming_a_reward_writes_a_redemption_and_a_ledger_row(funded, front_desk):
    reward = RewardFactory(points_cost=1500, name="Breakfast for two")

    redemption = services.points_redeem(membership=funded, reward=reward, idempotency_key="k1", by=front_desk)

    assert redemption.points == 1500
    assert redemption.redeemed_by == front_desk
    assert redemption.transaction.kind == PointsTransaction.Kind.REDEEM
    assert redemption.transaction.points == -1500
    assert redemption.transaction.actor == front_desk
    assert "Breakfast for two" in redemption.transaction.reason
    assert_consistent(funded)
    assert funded.points_balance == 3500


def test_a_retried_redemption_redeems_once(funded):
    reward = RewardFactory(points_cost=1000)

    first = services.points_redeem(membership=funded, reward=reward, idempotency_key="same")
    second = services.points_redeem(membership=funded, reward=reward, idempotency_key="same")

    assert first.pk == second.pk
    assert Redemption.objects.count() == 1
    assert_consistent(funded)


@pytest.mark.parametrize(
    "call, field",
    [
        (
            lambda m: services.points_redeem(membership=m, reward=RewardFactory(points_cost=5001), idempotency_key="x"),
            "points",
        ),
        (lambda m: services.points_redeem(membership=m, reward=None, idempotency_key="x"), "reward"),
        (
            lambda m: services.points_redeem(membership=m, reward=RewardFactory(is_active=False), idempotency_key="x"),
            "reward",
        ),
        (lambda m: services.points_spend(membership=m, points=5001, reason="bill", idempotency_key="x"), "points"),
        (lambda m: services.points_spend(membership=m, points=0, reason="bill", idempotency_key="x"), "points"),
        (lambda m: services.points_spend(membership=m, points=-10, reason="bill", idempotency_key="x"), "points"),
        (lambda m: services.points_spend(membership=m, points="ten", reason="bill", idempotency_key="x"), "points"),
        (lambda m: services.points_earn(membership=m, points=0, reason="promo", idempotency_key="x"), "points"),
        (lambda m: services.points_earn(membership=m, points=-5, reason="promo", idempotency_key="x"), "points"),
        (lambda m: services.points_earn(membership=m, points=10**9, reason="promo", idempotency_key="x"), "points"),
        (lambda m: services.points_earn(membership=m, points=True, reason="promo", idempotency_key="x"), "points"),
        (lambda m: services.points_earn(membership=m, points=10, reason="  ", idempotency_key="x"), "reason"),
        (
            lambda m: services.points_earn(membership=m, points=10, reason="promo", idempotency_key=""),
            "idempotency_key",
        ),
        (lambda m: services.points_adjust(membership=m, points=0, reason="fix", idempotency_key="x"), "points"),
        (lambda m: services.points_adjust(membership=m, points=-5001, reason="fix", idempotency_key="x"), "points"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_the_ledger_is_unchanged(funded, call, field):
    before = ledger_snapshot()

    with pytest.raises(DomainError) as error:
        call(funded)

    assert error.value.field == field
    assert error.value.status_code == 400
    assert ledger_snapshot() == before
    assert_consistent(funded)


def test_a_reward_above_the_members_tier_is_refused(funded, tiers):
    reward = RewardFactory(points_cost=100, min_tier=tiers["gold"])

    with pytest.raises(DomainError) as error:
        services.points_redeem(membership=funded, reward=reward, idempotency_key="x")

    assert error.value.field == "reward"
    assert "Gold" in str(error.value.message)


def test_a_reused_idempotency_key_with_a_different_request_is_a_conflict(funded):
    services.points_spend(membership=funded, points=100, reason="bill", idempotency_key="k")
    before = ledger_snapshot()

    with pytest.raises(ConflictError) as error:
        services.points_spend(membership=funded, points=200, reason="bill", idempotency_key="k")

    assert error.value.status_code == 409
    assert error.value.field == "idempotency_key"
    assert ledger_snapshot() == before


def test_an_adjustment_moves_points_either_way(funded, chain_admin):
    up = services.points_adjust(membership=funded, points=250, reason="Goodwill", idempotency_key="a1", by=chain_admin)
    down = services.points_adjust(membership=funded, points=-5250, reason="Fraud", idempotency_key="a2", by=chain_admin)

    assert (up.points, down.points) == (250, -5250)
    assert down.actor == chain_admin
    assert_consistent(funded)
    assert funded.points_balance == 0


# --- The compensation contract (called by the complaints app) -----------------------------


def test_compensation_enrols_a_non_member_and_posts_once_per_key(db):
    guest = GuestFactory()

    first = services.points_post_compensation(
        guest=guest, points=2000, reason="Complaint #12: noisy room", idempotency_key="complaint:12"
    )
    again = services.points_post_compensation(
        guest=guest, points=2000, reason="Complaint #12: noisy room", idempotency_key="complaint:12"
    )

    membership = Membership.objects.get(guest=guest)
    assert first.pk == again.pk
    assert first.kind == PointsTransaction.Kind.COMPENSATION
    assert first.membership == membership
    assert membership.tier == services.base_tier()
    assert_consistent(membership)
    assert membership.points_balance == 2000


def test_compensation_for_a_member_uses_their_membership(funded):
    txn = services.points_post_compensation(guest=funded.guest, points=300, reason="Late room", idempotency_key="c:1")

    assert txn.membership == funded
    assert Membership.objects.count() == 1


@pytest.mark.parametrize("points", [0, -100])
def test_compensation_must_be_positive(db, points):
    guest = GuestFactory()

    with pytest.raises(DomainError) as error:
        services.points_post_compensation(guest=guest, points=points, reason="x", idempotency_key="c:2")

    assert error.value.field == "points"
    assert not Membership.objects.exists()


def test_compensation_key_reused_for_other_points_is_a_conflict(db):
    guest = GuestFactory()
    services.points_post_compensation(guest=guest, points=100, reason="x", idempotency_key="c:3")

    with pytest.raises(ConflictError):
        services.points_post_compensation(guest=guest, points=150, reason="x", idempotency_key="c:3")


def test_compensation_for_a_merged_profile_goes_to_the_survivor(db):
    survivor = GuestFactory()
    duplicate = GuestFactory(merged_into=survivor)

    txn = services.points_post_compensation(guest=duplicate, points=100, reason="x", idempotency_key="c:4")

    assert txn.membership.guest == survivor


# --- Enrolment and append-only history ------------------------------------------------------


def test_enrolment_gives_a_check_digited_member_number_once(db, front_desk):
    guest = GuestFactory()

    membership, created = services.membership_enrol(guest=guest, by=front_desk)
    again, created_again = services.membership_enrol(guest=guest, by=front_desk)

    assert created and not created_again
    assert again.pk == membership.pk
    assert numbers.is_member_number(membership.member_number)
    assert membership.tier_changes.get().kind == "enrolment"


def test_a_merged_profile_cannot_be_enrolled(db):
    duplicate = GuestFactory(merged_into=GuestFactory())

    with pytest.raises(DomainError) as error:
        services.membership_enrol(guest=duplicate)

    assert error.value.field == "guest"


def test_a_ledger_row_cannot_be_edited_or_deleted(funded):
    txn = funded.transactions.get()
    txn.points = 999_999

    with pytest.raises(ValueError):
        txn.save()
    with pytest.raises(ValueError):
        txn.delete()


def test_a_stale_membership_save_cannot_overwrite_the_balance(funded):
    stale = Membership.objects.get(pk=funded.pk)
    give_points(funded, 100, key="more")

    stale.tier_reason = "edited elsewhere"
    stale.save()

    assert_consistent(funded)
    assert funded.points_balance == 5100


@pytest.mark.postgres
def test_the_database_refuses_to_edit_the_ledger(funded):
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        PointsTransaction.objects.filter(membership=funded).update(points=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM loyalty_pointstransaction")


def test_the_database_refuses_a_negative_balance(funded):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=funded.pk).update(points_balance=-1)
