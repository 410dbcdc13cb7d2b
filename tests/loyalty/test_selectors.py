"""Reads other apps rely on (member-number search, memberships_for, badges) and the
guest 360 section, with their query counts locked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm_site.roles import user_roles
from guests import selectors as guest_selectors
from loyalty import numbers, selectors
from tests.factories import GuestFactory

from .factories import RewardFactory, give_points

pytestmark = pytest.mark.django_db


def test_member_numbers_carry_a_luhn_check_digit():
    for _ in range(50):
        number = numbers.new_member_number()
        assert len(number) == 10 and number[0] == "M"
        assert numbers.is_member_number(number)
        wrong_digit = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
        assert not numbers.is_member_number(wrong_digit)
        swapped = number[:3] + number[4] + number[3] + number[5:]
        if swapped != number and number[3] not in "09" and number[4] not in "09":
            assert not numbers.is_member_number(swapped)


def test_a_member_number_is_found_however_it_was_typed(member):
    membership = member()
    number = membership.member_number
    typed = f" {number[:4].lower()} {number[4:7]}-{number[7:]} "

    with CaptureQueriesContext(connection) as queries:
        assert selectors.guest_ids_by_member_number(typed) == [membership.guest_id]
    assert len(queries) == 1


@pytest.mark.parametrize("query", ["", "zhang wei", "12345678", "M12345", "+351912000001", "ana@mail.example"])
def test_queries_that_cannot_be_member_numbers_cost_no_query(db, query, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.guest_ids_by_member_number(query) == []


def test_guest_search_finds_a_guest_by_member_number(member):
    membership = member()
    GuestFactory(family_name_latin="Other")

    found = guest_selectors.guest_search(query=membership.member_number)

    assert [g.pk for g in found] == [membership.guest_id]


def test_memberships_for_many_guests_is_one_query(member, tiers, django_assert_num_queries):
    gold = member("gold")
    give_points(gold, 1234)
    plain = member()
    outsider = GuestFactory()

    with django_assert_num_queries(1):
        result = selectors.memberships_for([gold.guest_id, plain.guest_id, outsider.pk])

    assert set(result) == {gold.guest_id, plain.guest_id}
    assert result[gold.guest_id] == {
        "member_number": gold.member_number,
        "tier_code": "gold",
        "tier_name": "Gold",
        "points_balance": 1234,
    }


def test_tier_badges_are_one_query(member, django_assert_num_queries):
    members = [member("silver") for _ in range(5)]

    with django_assert_num_queries(1):
        badges = selectors.tier_badges([m.guest_id for m in members])

    assert {b.label for bs in badges.values() for b in bs} == {"Silver"}
    assert {b.kind for bs in badges.values() for b in bs} == {"tier"}


def test_the_section_of_a_non_member_is_one_query(db, front_desk, django_assert_num_queries):
    guest = GuestFactory()
    with django_assert_num_queries(1):
        assert selectors.membership_section(guest, front_desk) == {"is_member": False}


@pytest.mark.parametrize("transactions", [1, 40])
def test_the_section_query_count_does_not_grow_with_the_ledger(
    member, front_desk, transactions, django_assert_num_queries
):
    membership = member("gold")
    for n in range(transactions):
        give_points(membership, 100, key=f"k{n}")
    RewardFactory(points_cost=50)
    RewardFactory(points_cost=10**6)
    guest = membership.guest
    front_desk.has_perm("loyalty.view_membership")  # a request has read the viewer's permissions
    user_roles(front_desk)  # ...and roles already

    with django_assert_num_queries(6):
        data = selectors.membership_section(guest, front_desk)

    assert data["points_balance"] == 100 * transactions
    assert len(data["recent_transactions"]) == min(transactions, selectors.RECENT_TRANSACTIONS)
    assert [r["available"] for r in data["rewards"]] == [True, False]
    assert data["tier"]["code"] == "gold"


def test_the_guest_page_costs_the_same_queries_for_a_long_ledger(client, member, front_desk):
    short, long = member(), member()
    give_points(short, 100)
    for n in range(60):
        give_points(long, 10, key=f"long{n}")
    client.force_login(front_desk)

    counts = []
    for membership in (short, long):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/guests/{membership.guest_id}/")
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
