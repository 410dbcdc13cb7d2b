"""Merging duplicate accounts: everything moves to the survivor, and the undo restores
exactly what moved."""

import pytest

from accounts import services
from accounts.models import (
    Account,
    AccountContact,
    AccountDocument,
    AccountEvent,
    AccountExternalId,
    AccountMilestone,
    AccountPlan,
    AccountTeamMember,
    Activity,
    Agreement,
    Competitor,
    DriverScore,
)
from crm_site.errors import ConflictError, DomainError, Forbidden
from tests.factories import GuestFactory

from .factories import AccountFactory, ActivityFactory, AgreementFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _state():
    """Which account every movable row belongs to."""
    return {
        "children": dict(Account.objects.filter(parent__isnull=False).values_list("pk", "parent_id")),
        "contacts": dict(AccountContact.objects.values_list("pk", "account_id")),
        "activities": dict(Activity.objects.values_list("pk", "account_id")),
        "agreements": dict(Agreement.objects.values_list("pk", "account_id")),
        "ids": dict(AccountExternalId.objects.values_list("pk", "account_id")),
        "team": dict(AccountTeamMember.objects.values_list("pk", "account_id")),
        "scores": dict(DriverScore.objects.values_list("pk", "account_id")),
        "competitors": dict(Competitor.objects.values_list("pk", "account_id")),
        "documents": dict(AccountDocument.objects.values_list("pk", "account_id")),
        "milestones": dict(AccountMilestone.objects.values_list("pk", "account_id")),
        "plans": dict(AccountPlan.objects.values_list("pk", "account_id")),
        "events": dict(AccountEvent.objects.values_list("pk", "account_id")),
        "guests": dict(GuestFactory._meta.model.objects.filter(company__isnull=False).values_list("pk", "company_id")),
    }


@pytest.fixture
def pair(director, salesperson, other_salesperson, hotel):
    survivor = AccountFactory(name="Acme Travel", owner=salesperson)
    duplicate = AccountFactory(name="ACME Travel Ltd", owner=other_salesperson)
    AccountFactory(name="Acme Lisbon", parent=duplicate)
    shared = GuestFactory()
    ContactFactory(account=survivor, guest=shared, name="")
    ContactFactory(account=duplicate, guest=shared, name="")  # the survivor knows this guest already: stays
    ContactFactory(account=duplicate, name="Li Wei")
    ActivityFactory(account=duplicate, owner=other_salesperson)
    AgreementFactory(account=duplicate, property=hotel)
    services.external_id_add(account_id=duplicate.pk, system="pms", external_id="C-1")
    services.team_member_add(account_id=duplicate.pk, user=director, role="executive_sponsor")
    services.team_member_add(account_id=survivor.pk, user=director, role="executive_sponsor")  # duplicate role: stays
    services.driver_scores_set(account_id=duplicate.pk, scores=[{"driver": "price", "importance": 5, "our_score": 3}])
    services.competitor_save(account_id=duplicate.pk, data={"name": "City Suites"})
    services.document_add(account_id=duplicate.pk, data={"title": "Plan", "url": "https://docs.example/p"})
    services.plan_update(account_id=duplicate.pk, data={"business_goals": "Grow"})
    services.milestone_tick(account_id=duplicate.pk, milestone="identify-account")
    GuestFactory(company=duplicate)
    return survivor, duplicate


def test_merge_moves_everything_and_undo_restores_exactly(pair, director):
    survivor, duplicate = pair
    before = _state()
    record = services.account_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=director, note="Same company")
    after = _state()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    for key in (
        "children",
        "activities",
        "agreements",
        "ids",
        "scores",
        "competitors",
        "documents",
        "milestones",
        "plans",
        "guests",
    ):
        assert set(after[key].values()) == {survivor.pk}, key
    assert sorted(after["contacts"].values()).count(duplicate.pk) == 1  # the shared guest stays on the duplicate
    assert sorted(after["team"].values()).count(duplicate.pk) == 1
    assert record.moved["guests"] and record.moved["agreements"]

    services.account_merge_undo(merge_id=record.pk, by=director)
    restored = _state()
    for key in before:
        if key != "events":
            assert restored[key] == before[key], key
    assert {pk: acc for pk, acc in restored["events"].items() if pk in before["events"]} == before["events"]
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_merge_rules(pair, director, salesperson):
    survivor, duplicate = pair
    with pytest.raises(Forbidden):
        services.account_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=salesperson)
    with pytest.raises(DomainError) as caught:
        services.account_merge(survivor_id=survivor.pk, merged_id=survivor.pk, by=director)
    assert "merged" in caught.value.fields
    child = Account.objects.get(name="Acme Lisbon")
    with pytest.raises(DomainError) as caught:  # into its own group member: would make a loop
        services.account_merge(survivor_id=child.pk, merged_id=duplicate.pk, by=director)
    assert "survivor" in caught.value.fields
    record = services.account_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=director)
    with pytest.raises(DomainError) as caught:
        services.account_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=director)
    assert "merged" in caught.value.fields
    services.account_merge_undo(merge_id=record.pk, by=director)
    with pytest.raises(DomainError):
        services.account_merge_undo(merge_id=record.pk, by=director)


def test_undo_is_refused_when_the_name_was_taken_since(pair, director):
    survivor, duplicate = pair
    record = services.account_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=director)
    AccountFactory(name="ACME Travel Ltd")
    with pytest.raises(ConflictError) as caught:
        services.account_merge_undo(merge_id=record.pk, by=director)
    assert "merge" in caught.value.fields
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor


def test_merge_and_undo_through_the_api(api, pair, director):
    survivor, duplicate = pair
    client = api.as_user(director)
    response = client.post(f"/api/v1/accounts/{survivor.pk}/merge/", {"merged": duplicate.pk, "note": "dup"})
    assert response.status_code == 201
    assert client.get(f"/api/v1/accounts/{duplicate.pk}/").status_code == 404
    merge_id = response.json()["id"]
    assert client.post(f"/api/v1/account-merges/{merge_id}/undo/").status_code == 200
    assert client.get(f"/api/v1/accounts/{duplicate.pk}/").status_code == 200
