"""Accounts: creation, details, the group tree (no cycles), search in any script,
external ids and the account team."""

import pytest

from accounts import selectors, services
from accounts.models import Account, AccountEvent, AccountExternalId, AccountTeamMember, LevelChange
from crm_site.errors import DomainError, Forbidden

from .factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_create_computes_search_keys_and_starts_the_level_history(salesperson):
    account = services.account_create(
        data={
            "name": "华为技术有限公司",
            "name_latin": "Huawei Technologies",
            "relationship_level": "partner",
            "level_reason": "Strategic partner in China",
        },
        by=salesperson,
    )
    assert account.owner == salesperson  # a salesperson creates accounts for themselves
    assert account.name_key.startswith("huawei") and account.name_initials.startswith("hw")
    change = LevelChange.objects.get(account=account)
    assert (change.from_level, change.to_level, change.reason) == ("", "partner", "Strategic partner in China")
    assert AccountEvent.objects.filter(account=account, kind="created").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "X" * 201}, "name"),
        ({"name": "Acme", "account_type": "pirate"}, "account_type"),
        ({"name": "Acme", "account_class": "vip"}, "account_class"),
        ({"name": "Acme", "relationship_level": "best"}, "relationship_level"),
        ({"name": "Acme", "parent": 999999}, "parent"),
        ({"name": "Acme", "parent": "abc"}, "parent"),
        ({"name": "Acme", "iata_code": "12 34"}, "iata_code"),
        ({"name": "Acme", "notes": "a\x00b"}, "notes"),
        ({"name": ["Acme"]}, "name"),
    ],
)
def test_bad_account_input_names_the_field_and_writes_nothing(salesperson, data, field):
    with pytest.raises(DomainError) as caught:
        services.account_create(data=data, by=salesperson)
    assert field in caught.value.fields
    assert not Account.objects.exists()


def test_a_duplicate_name_is_refused_case_insensitively(salesperson):
    AccountFactory(name="Acme Travel")
    with pytest.raises(DomainError) as caught:
        services.account_create(data={"name": "ACME travel"}, by=salesperson)
    assert caught.value.fields == {"name": [caught.value.fields["name"][0]]}


def test_a_salesperson_cannot_create_an_account_for_someone_else(salesperson, other_salesperson):
    with pytest.raises(Forbidden) as caught:
        services.account_create(data={"name": "Acme", "owner": other_salesperson.pk}, by=salesperson)
    assert "owner" in caught.value.fields


def test_the_owner_must_be_a_salesperson(director, front_desk):
    with pytest.raises(DomainError) as caught:
        services.account_create(data={"name": "Acme", "owner": front_desk.pk}, by=director)
    assert "owner" in caught.value.fields


def test_owner_and_level_do_not_change_through_an_update(own_account, salesperson, other_salesperson):
    with pytest.raises(DomainError) as caught:
        services.account_update(
            account_id=own_account.pk,
            data={"owner": other_salesperson.pk, "relationship_level": "strategic"},
            by=salesperson,
        )
    assert set(caught.value.fields) == {"owner", "relationship_level"}
    # Sent back unchanged (a PUT of what was read) they are fine.
    services.account_update(
        account_id=own_account.pk,
        data={"owner": salesperson.pk, "relationship_level": "ordinary", "tax_title": "Acme Travel Ltd"},
        by=salesperson,
    )
    own_account.refresh_from_db()
    assert own_account.tax_title == "Acme Travel Ltd"


def test_the_group_is_a_tree_a_parent_that_closes_a_loop_is_refused(director):
    group = AccountFactory(name="Group")
    child = AccountFactory(name="Child", parent=group)
    grandchild = AccountFactory(name="Grandchild", parent=child)
    for parent in (grandchild, child):
        with pytest.raises(DomainError) as caught:
            services.account_update(account_id=group.pk, data={"parent": parent.pk}, by=director)
        assert "parent" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.account_update(account_id=group.pk, data={"parent": group.pk}, by=director)
    assert "parent" in caught.value.fields
    group.refresh_from_db()
    assert group.parent_id is None
    assert selectors.account_subtree_ids(group.pk) == [group.pk, child.pk, grandchild.pk]


def test_the_rollup_adds_up_the_whole_group(director, hotel):
    from django.utils import timezone

    from .factories import ActivityFactory, AgreementFactory, ContactFactory

    group = AccountFactory(name="Group")
    child = AccountFactory(name="Child", parent=group)
    other = AccountFactory(name="Elsewhere")
    ContactFactory(account=group), ContactFactory(account=child), ContactFactory(account=other)
    AgreementFactory(account=group, property=hotel, room_nights_committed=100, commitment_period="year")
    AgreementFactory(account=child, property=hotel, room_nights_committed=10, commitment_period="month")
    AgreementFactory(account=child, property=hotel, room_nights_committed=999, status="draft")
    today = timezone.localdate()
    ActivityFactory(account=child, owner=director, due_on=today.replace(day=1) - timezone.timedelta(days=1))
    ActivityFactory(account=group, owner=director, due_on=today)
    rollup = selectors.account_rollup(group, today=today)
    assert (rollup.accounts, rollup.contacts, rollup.signed_agreements) == (2, 2, 2)
    assert rollup.committed_room_nights_per_year == 100 + 10 * 12
    assert (rollup.open_activities, rollup.overdue_activities) == (2, 1)
    assert [c.name for c in rollup.children] == ["Child"]


@pytest.mark.parametrize(
    "query",
    ["huawei", "Huawei Tech", "华为", "hwjs", "HUAWEI", "huaweijishu", "IATA9", "C-77", "pms-42"],
)
def test_search_finds_an_account_in_any_script_and_by_its_ids(director, query):
    account = services.account_create(
        data={"name": "华为技术", "name_latin": "Huawei Technologies", "iata_code": "IATA9", "corporate_id": "C-77"},
        by=director,
    )
    services.external_id_add(account_id=account.pk, system="pms", external_id="pms-42", by=director)
    services.account_create(data={"name": "Siemens AG"}, by=director)
    assert [a.pk for a in selectors.account_search(query=query)] == [account.pk]


def test_search_leaves_merged_accounts_out_and_ignores_empty_queries(director):
    keep = AccountFactory(name="Acme")
    gone = AccountFactory(name="Acme Old", merged_into=keep)
    assert gone.pk not in [a.pk for a in selectors.account_search(query="acme")]
    assert selectors.account_search(query=" \x00 ") == []


@pytest.mark.postgres
def test_search_tolerates_typos_on_postgresql(director):
    account = services.account_create(data={"name": "Deloitte Consulting"}, by=director)
    assert [a.pk for a in selectors.account_search(query="deloite consulting")] == [account.pk]


def test_external_ids_are_unique_per_system(director):
    first, second = AccountFactory(name="First"), AccountFactory(name="Second")
    services.external_id_add(account_id=first.pk, system="hotel-booking-demand:agent", external_id="9", by=director)
    with pytest.raises(DomainError) as caught:
        services.external_id_add(
            account_id=second.pk, system="hotel-booking-demand:agent", external_id="9", by=director
        )
    assert "external_id" in caught.value.fields and "First" in caught.value.fields["external_id"][0]
    # The same number in another system is another id.
    services.external_id_add(account_id=second.pk, system="hotel-booking-demand:company", external_id="9", by=director)
    assert AccountExternalId.objects.count() == 2


@pytest.mark.parametrize(
    ("system", "external_id", "field"),
    [("", "1", "system"), ("PMS one", "1", "system"), ("pms", "", "external_id"), ("pms", "x" * 65, "external_id")],
)
def test_bad_external_ids_name_the_field(director, system, external_id, field):
    account = AccountFactory()
    with pytest.raises(DomainError) as caught:
        services.external_id_add(account_id=account.pk, system=system, external_id=external_id, by=director)
    assert field in caught.value.fields


def test_team_roles_and_who_may_change_the_team(own_account, salesperson, other_salesperson, director, hotel):
    member = services.team_member_add(
        account_id=own_account.pk, user=other_salesperson.pk, role="property_sales", property=hotel.code, by=salesperson
    )
    assert (member.role, member.property) == ("property_sales", hotel)
    with pytest.raises(DomainError) as caught:
        services.team_member_add(
            account_id=own_account.pk, user=other_salesperson.pk, role="property_sales", by=salesperson
        )
    assert "user" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.team_member_add(account_id=own_account.pk, user=director.pk, role="owner", by=salesperson)
    assert "role" in caught.value.fields
    # A team member edits the account but does not manage its team.
    with pytest.raises(Forbidden):
        services.team_member_add(
            account_id=own_account.pk, user=director.pk, role="executive_sponsor", by=other_salesperson
        )
    services.team_member_add(account_id=own_account.pk, user=director.pk, role="executive_sponsor", by=director)
    assert AccountTeamMember.objects.filter(account=own_account).count() == 2
