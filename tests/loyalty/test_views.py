"""Loyalty pages: the guest 360 block, enrolment, redemption, the ledger, members list,
tier rules and claims."""

import datetime as dt

import pytest
from django.utils.formats import number_format

from loyalty.models import Membership, MissingPointsClaim, PointsTransaction, Redemption
from tests.factories import GuestFactory, StayFactory

from .conftest import assert_consistent
from .factories import RewardFactory, give_points

pytestmark = pytest.mark.django_db


def n(value):
    return number_format(value, force_grouping=True)


@pytest.fixture
def funded(member):
    membership = member("silver")
    give_points(membership, 4200, key="seed")
    return membership


def test_the_guest_page_shows_tier_points_and_the_redemption_form(client, funded, front_desk):
    RewardFactory(name="Late check-out", points_cost=1500)
    RewardFactory(name="Free night", points_cost=25000)
    client.force_login(front_desk)

    page = client.get(f"/guests/{funded.guest_id}/").content.decode()

    assert funded.member_number in page
    assert 'data-testid="points-balance">4,200<' in page
    assert "Silver" in page
    assert "Late check-out" in page and "Free night" not in page  # only what the balance affords
    assert 'data-testid="redeem-form"' in page


def test_search_results_carry_the_tier_badge(client, funded, front_desk):
    client.force_login(front_desk)

    page = client.get("/guests/", {"q": funded.member_number}).content.decode()

    assert funded.guest.display_name in page
    assert '<span class="badge tier">Silver</span>' in page


def test_a_non_member_gets_an_enrol_button_that_enrols(client, front_desk):
    guest = GuestFactory()
    client.force_login(front_desk)

    assert 'data-testid="enrol"' in client.get(f"/guests/{guest.pk}/").content.decode()
    response = client.post(f"/loyalty/guests/{guest.pk}/enrol/")

    assert response.status_code == 302 and response["Location"] == f"/guests/{guest.pk}/"
    assert Membership.objects.filter(guest=guest).exists()


def test_a_sales_manager_sees_loyalty_but_cannot_enrol_or_redeem(client, funded, sales_manager):
    guest = GuestFactory()
    client.force_login(sales_manager)

    assert 'data-testid="enrol"' not in client.get(f"/guests/{guest.pk}/").content.decode()
    assert 'data-testid="redeem-form"' not in client.get(f"/guests/{funded.guest_id}/").content.decode()
    assert client.post(f"/loyalty/guests/{guest.pk}/enrol/").status_code == 403
    assert (
        client.post(f"/loyalty/members/{funded.pk}/redeem/", {"reward": 1, "idempotency_key": "x"}).status_code == 403
    )


def test_redeeming_from_the_guest_page_lowers_the_balance_once(client, funded, front_desk):
    reward = RewardFactory(points_cost=1500)
    client.force_login(front_desk)
    form = {"reward": reward.pk, "idempotency_key": "form-1", "next": f"/guests/{funded.guest_id}/"}
    # The first press asks (cost and balance after), spending nothing.
    question = client.post(f"/loyalty/members/{funded.pk}/redeem/", form, follow=True)
    assert 'data-testid="redeem-question"' in question.content.decode()
    assert Redemption.objects.count() == 0
    form["confirmed"] = "yes"

    first = client.post(f"/loyalty/members/{funded.pk}/redeem/", form)
    client.post(f"/loyalty/members/{funded.pk}/redeem/", form)  # double click

    assert first["Location"] == f"/guests/{funded.guest_id}/"
    assert Redemption.objects.count() == 1
    assert_consistent(funded)
    page = client.get(first["Location"]).content.decode()
    assert f'data-testid="points-balance">{n(2700)}<' in page


def test_redeeming_more_than_the_balance_says_so_and_changes_nothing(client, funded, front_desk):
    reward = RewardFactory(points_cost=5000)
    client.force_login(front_desk)

    response = client.post(
        f"/loyalty/members/{funded.pk}/redeem/",
        {"reward": reward.pk, "idempotency_key": "f", "confirmed": "yes"},
        follow=True,
    )

    assert "Not enough points" in response.content.decode()
    assert funded.transactions.count() == 1


def test_an_unknown_reward_is_refused_on_the_page(client, funded, front_desk):
    client.force_login(front_desk)

    response = client.post(
        f"/loyalty/members/{funded.pk}/redeem/", {"reward": 999, "idempotency_key": "f"}, follow=True
    )

    assert "Unknown reward" in response.content.decode()
    assert funded.transactions.count() == 1


def test_the_ledger_page_shows_running_balances(client, funded, front_desk):
    give_points(funded, 800, key="second")
    client.force_login(front_desk)

    page = client.get(f"/loyalty/members/{funded.pk}/").content.decode()

    assert 'data-testid="ledger"' in page
    assert page.index(n(5000)) < page.index(n(4200))  # newest first, each with its balance
    assert "Why this tier" in page


def test_only_chain_admins_adjust(client, funded, front_desk, chain_admin):
    form = {"points": -200, "reason": "Duplicate posting", "idempotency_key": "adj-1"}

    client.force_login(front_desk)
    assert client.post(f"/loyalty/members/{funded.pk}/adjust/", form).status_code == 403
    client.force_login(chain_admin)
    client.post(f"/loyalty/members/{funded.pk}/adjust/", form)

    assert funded.transactions.filter(kind=PointsTransaction.Kind.ADJUST, actor=chain_admin).count() == 1
    assert_consistent(funded)
    assert funded.points_balance == 4000


def test_the_members_list_filters_by_tier(client, member, front_desk):
    gold, plain = member("gold"), member()
    client.force_login(front_desk)

    page = client.get("/loyalty/members/", {"tier": "gold"}).content.decode()

    assert gold.member_number in page and plain.member_number not in page


def test_the_members_list_finds_a_member_by_number(client, member, front_desk):
    wanted, other = member(), member()
    client.force_login(front_desk)

    page = client.get("/loyalty/members/", {"q": wanted.member_number}).content.decode()

    assert wanted.member_number in page and other.member_number not in page


def test_the_members_list_query_count_does_not_grow_with_the_page(
    client, member, front_desk, django_assert_max_num_queries
):
    for _ in range(30):
        member()
    client.force_login(front_desk)
    with django_assert_max_num_queries(12):
        assert client.get("/loyalty/members/").status_code == 200


def test_the_tier_rules_page_shows_the_rules_and_only_admins_edit(client, tiers, front_desk, chain_admin):
    client.force_login(front_desk)
    page = client.get("/loyalty/tiers/").content.decode()
    assert "Platinum" in page and n(75000) in page
    assert client.get(f"/loyalty/tiers/{tiers['gold'].pk}/edit/").status_code == 403

    client.force_login(chain_admin)
    response = client.post(
        f"/loyalty/tiers/{tiers['gold'].pk}/edit/",
        {
            "name": "Gold",
            "qualifying_nights": 20,
            "qualifying_spend": "25000",
            "earn_multiplier": "1.30",
            "benefits": "x",
        },
    )
    assert response.status_code == 302
    tiers["gold"].refresh_from_db()
    assert (tiers["gold"].qualifying_nights, str(tiers["gold"].earn_multiplier)) == (20, "1.30")


def test_a_tier_without_any_threshold_is_refused_on_the_page(client, tiers, chain_admin):
    client.force_login(chain_admin)
    response = client.post(
        f"/loyalty/tiers/{tiers['silver'].pk}/edit/",
        {"name": "Silver", "qualifying_nights": 0, "qualifying_spend": "0", "earn_multiplier": "1.1", "benefits": ""},
    )
    assert response.status_code == 200
    assert "needs a nights or a spend threshold" in response.content.decode()


def test_a_claim_is_filed_and_decided_on_the_pages(client, member, hotel, front_desk, guest_relations):
    membership = member(enrolled_on=dt.date(2015, 6, 1))
    stay = StayFactory(guest=membership.guest, property=hotel, arrival_date=dt.date(2015, 5, 1))
    client.force_login(front_desk)
    client.post(
        f"/loyalty/members/{membership.pk}/claims/",
        {"property": hotel.code, "confirmation_number": stay.confirmation_number, "note": "Missing"},
    )
    claim = MissingPointsClaim.objects.get()
    assert client.post(f"/loyalty/claims/{claim.pk}/decide/", {"decision": "approve"}).status_code == 403

    client.force_login(guest_relations)
    assert stay.confirmation_number in client.get("/loyalty/claims/").content.decode()
    client.post(f"/loyalty/claims/{claim.pk}/decide/", {"decision": "approve", "reason": "Checked folio"})

    claim.refresh_from_db()
    assert claim.status == "approved" and claim.transaction.points > 0
    assert_consistent(membership)


def test_pages_need_a_login(client, funded):
    for url in ("/loyalty/members/", f"/loyalty/members/{funded.pk}/", "/loyalty/tiers/", "/loyalty/claims/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
