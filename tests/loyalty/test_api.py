"""The loyalty API: idempotent writes and every bad input (permissions per role are in
test_permissions.py)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from guests.models import Stay
from loyalty.models import PointsTransaction, Redemption
from tests.factories import GuestFactory, StayFactory

from .conftest import assert_consistent
from .factories import RewardFactory, give_points

pytestmark = pytest.mark.django_db

_keys = itertools.count()


def key():
    return f"key-{next(_keys)}"


@pytest.fixture
def funded(member):
    membership = member()
    give_points(membership, 5000, key="seed")
    return membership


def post(api, user, url, data, idempotency_key=None):
    return api.as_user(user).post(url, data, format="json", HTTP_IDEMPOTENCY_KEY=idempotency_key or key())


def ledger():
    return list(PointsTransaction.objects.order_by("id").values_list("id", "points"))


# --- Enrolment ----------------------------------------------------------------------------------


def test_enrolling_twice_returns_the_membership(api, front_desk):
    guest = GuestFactory()

    first = post(api, front_desk, "/api/v1/memberships/", {"guest": guest.pk})
    second = post(api, front_desk, "/api/v1/memberships/", {"guest": guest.pk})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.data["id"] == second.data["id"]
    assert first.data["tier"] == "member"
    assert first.data["points_balance"] == 0


def test_members_filter_by_tier(api, member, front_desk):
    gold, _plain = member("gold"), member()

    response = api.as_user(front_desk).get("/api/v1/memberships/", {"tier": "gold"})

    assert [m["id"] for m in response.data["results"]] == [gold.pk]


# --- Earning by stay through the API -------------------------------------------------------------


def test_posting_a_stay_twice_earns_once(api, member, integrator):
    membership = member()
    stay = StayFactory(guest=membership.guest, arrival_date=dt.date(2015, 5, 1), room_revenue=Decimal("100"))
    url = f"/api/v1/memberships/{membership.pk}/transactions/"

    first = post(api, integrator, url, {"kind": "earn", "stay": stay.pk})
    second = post(api, integrator, url, {"kind": "earn", "stay": stay.pk})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.data["id"] == second.data["id"]
    assert first.data["stay"] == stay.pk
    assert PointsTransaction.objects.count() == 1


# --- Bad input: a clear 4xx naming the field, the ledger unchanged ---------------------------------


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "redeem", "points": 5001, "reason": "Bill"}, "points"),
        ({"kind": "redeem", "points": 0, "reason": "Bill"}, "points"),
        ({"kind": "redeem", "points": -20, "reason": "Bill"}, "points"),
        ({"kind": "redeem", "points": "lots", "reason": "Bill"}, "points"),
        ({"kind": "redeem", "reason": "Bill"}, "points"),
        ({"kind": "adjust", "points": -6000, "reason": "Fix"}, "points"),
        ({"kind": "adjust", "points": 10, "reason": ""}, "reason"),
        ({"kind": "expire", "points": -10, "reason": "Nope"}, "kind"),
        ({"kind": "earn", "stay": 999_999}, "stay"),
    ],
)
def test_bad_transactions_are_refused_naming_the_field(api, funded, chain_admin, payload, field):
    before = ledger()

    response = post(api, chain_admin, f"/api/v1/memberships/{funded.pk}/transactions/", payload)

    assert response.status_code == 400
    assert field in response.data["errors"]
    assert ledger() == before
    assert_consistent(funded)


def test_more_than_the_balance_is_refused_with_the_balance_in_the_message(api, funded, front_desk):
    reward = RewardFactory(points_cost=5001)

    response = post(api, front_desk, f"/api/v1/memberships/{funded.pk}/redemptions/", {"reward": reward.code})

    assert response.status_code == 400
    assert "5,000" in response.data["errors"]["points"][0] or "5000" in response.data["errors"]["points"][0]
    assert not Redemption.objects.exists()


def test_an_unknown_reward_is_refused(api, funded, front_desk):
    before = ledger()

    response = post(api, front_desk, f"/api/v1/memberships/{funded.pk}/redemptions/", {"reward": "no-such-reward"})

    assert response.status_code == 400
    assert "reward" in response.data["errors"]
    assert ledger() == before


@pytest.mark.parametrize("status", [Stay.Status.CANCELLED, Stay.Status.NO_SHOW])
def test_points_for_a_cancelled_stay_are_refused(api, member, integrator, status):
    membership = member()
    stay = StayFactory(guest=membership.guest, arrival_date=dt.date(2015, 5, 1), status=status)

    response = post(
        api, integrator, f"/api/v1/memberships/{membership.pk}/transactions/", {"kind": "earn", "stay": stay.pk}
    )

    assert response.status_code == 400
    assert "stay" in response.data["errors"]
    assert not PointsTransaction.objects.exists()


def test_points_for_another_guests_stay_are_refused(api, member, integrator):
    membership, other = member(), member()
    stay = StayFactory(guest=other.guest, arrival_date=dt.date(2015, 5, 1))

    response = post(
        api, integrator, f"/api/v1/memberships/{membership.pk}/transactions/", {"kind": "earn", "stay": stay.pk}
    )

    assert response.status_code == 400
    assert "stay" in response.data["errors"]


def test_a_write_without_an_idempotency_key_is_refused(api, funded, front_desk):
    response = api.as_user(front_desk).post(
        f"/api/v1/memberships/{funded.pk}/transactions/", {"kind": "redeem", "points": 10, "reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.data["errors"]


def test_a_retry_with_the_same_key_and_body_returns_the_first_answer(api, funded, front_desk):
    url = f"/api/v1/memberships/{funded.pk}/transactions/"
    body = {"kind": "redeem", "points": 300, "reason": "Towards the bill"}

    first = post(api, front_desk, url, body, idempotency_key="pos-77")
    second = post(api, front_desk, url, body, idempotency_key="pos-77")

    assert first.status_code == second.status_code == 201
    assert first.data == second.data
    assert funded.transactions.count() == 2


def test_a_reused_key_with_a_different_body_is_409(api, funded, front_desk, guest_relations):
    url = f"/api/v1/memberships/{funded.pk}/transactions/"
    post(api, front_desk, url, {"kind": "redeem", "points": 300, "reason": "Bill"}, idempotency_key="pos-1")
    before = ledger()

    same_user = post(api, front_desk, url, {"kind": "redeem", "points": 301, "reason": "Bill"}, idempotency_key="pos-1")
    other_user = post(
        api, guest_relations, url, {"kind": "redeem", "points": 302, "reason": "Bill"}, idempotency_key="pos-1"
    )

    assert same_user.status_code == other_user.status_code == 409
    assert "Idempotency-Key" in same_user.data["errors"] and "Idempotency-Key" in other_user.data["errors"]
    assert ledger() == before


def test_the_ledger_lists_newest_first_with_running_balances(api, funded, front_desk):
    url = f"/api/v1/memberships/{funded.pk}/transactions/"
    post(api, front_desk, url, {"kind": "redeem", "points": 1000, "reason": "Bill"})

    rows = api.as_user(front_desk).get(url).data["results"]

    assert [(r["kind"], r["points"], r["balance_after"]) for r in rows] == [
        ("redeem", -1000, 4000),
        ("earn", 5000, 5000),
    ]


def test_tier_thresholds_are_validated(api, tiers, chain_admin):
    response = api.as_user(chain_admin).patch(
        f"/api/v1/tiers/{tiers['gold'].pk}/", {"qualifying_nights": 0, "qualifying_spend": "0"}, format="json"
    )

    assert response.status_code == 400
    assert "qualifying_nights" in response.data["errors"]


# --- Missing-points claims ------------------------------------------------------------------------


def test_a_claim_is_filed_with_a_reply_by_date_and_approved_into_the_ledger(
    api, member, hotel, front_desk, guest_relations
):
    membership = member(enrolled_on=dt.date(2015, 6, 1))
    stay = StayFactory(guest=membership.guest, property=hotel, arrival_date=dt.date(2015, 5, 1))

    filed = post(
        api,
        front_desk,
        f"/api/v1/memberships/{membership.pk}/claims/",
        {"property": hotel.code, "confirmation_number": stay.confirmation_number, "note": "Stayed before joining"},
    )
    approved = api.as_user(guest_relations).post(
        f"/api/v1/points-claims/{filed.data['id']}/approve/", {}, format="json"
    )
    again = api.as_user(guest_relations).post(f"/api/v1/points-claims/{filed.data['id']}/approve/", {}, format="json")

    assert filed.status_code == 201
    assert filed.data["reply_by"] == (dt.date.today() + dt.timedelta(days=14)).isoformat()
    assert approved.status_code == 200 and approved.data["status"] == "approved"
    assert again.status_code == 409
    assert_consistent(membership)
    assert membership.points_balance == 2000


def test_a_claim_is_rejected_only_with_a_reason(api, member, hotel, guest_relations, front_desk):
    membership = member()
    filed = post(
        api,
        front_desk,
        f"/api/v1/memberships/{membership.pk}/claims/",
        {"property": hotel.code, "confirmation_number": "X1"},
    )
    url = f"/api/v1/points-claims/{filed.data['id']}/reject/"

    no_reason = api.as_user(guest_relations).post(url, {"decision_reason": " "}, format="json")
    by_desk = api.as_user(front_desk).post(url, {"decision_reason": "Not ours"}, format="json")
    rejected = api.as_user(guest_relations).post(url, {"decision_reason": "Stay at a partner hotel"}, format="json")

    assert no_reason.status_code == 400 and "decision_reason" in no_reason.data["errors"]
    assert by_desk.status_code == 403
    assert rejected.status_code == 200 and rejected.data["status"] == "rejected"
    assert not PointsTransaction.objects.exists()


def test_the_schema_documents_the_loyalty_api(api, chain_admin):
    content = api.as_user(chain_admin).get("/api/schema/").content
    for path in (b"/api/v1/tiers/", b"/api/v1/memberships/{membership_pk}/transactions/", b"Idempotency-Key"):
        assert path in content
