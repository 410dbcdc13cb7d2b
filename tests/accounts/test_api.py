"""The accounts API: ``/api/v1/accounts/`` (and the old ``/api/v1/companies/``) with its
nested contacts, agreements, activities, team, ids, plan, milestones and timeline; the
cross-account lists, board and vocabularies.  Bad input is a 4xx naming the field."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account, AccountContact, Activity, Agreement, RoadmapStage
from tests.factories import GuestFactory

from .factories import AccountFactory, ActivityFactory, AgreementFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_list_search_and_filter(api, salesperson, own_account, others_account):
    rest = api.as_user(salesperson)
    AccountFactory(name="上海市商务委员会", account_type="government")
    names = lambda r: [a["name"] for a in r.json()["results"]]  # noqa: E731
    assert names(rest.get("/api/v1/accounts/?q=shanghai")) == ["上海市商务委员会"]
    assert names(rest.get("/api/v1/accounts/?account_type=government")) == ["上海市商务委员会"]
    assert names(rest.get("/api/v1/accounts/?owner=me")) == ["Acme Travel"]
    assert names(rest.get("/api/v1/accounts/?mine=true")) == ["Acme Travel"]
    for params, field in [
        ("owner=someone", "owner"),
        ("parent=abc", "parent"),
        ("relationship_level=gold", "relationship_level"),
    ]:
        response = rest.get(f"/api/v1/accounts/?{params}")
        assert response.status_code == 400 and field in response.json()["errors"], params


def test_create_read_and_put_back_an_account(api, salesperson):
    rest = api.as_user(salesperson)
    created = rest.post(
        "/api/v1/accounts/",
        {
            "name": "携程商旅",
            "name_latin": "Trip.com Business",
            "account_type": "travel_agency",
            "relationship_level": "preferred",
            "level_reason": "Volume in 2025",
        },
        HTTP_IDEMPOTENCY_KEY="create-1",
    )
    assert created.status_code == 201
    again = rest.post(
        "/api/v1/accounts/",
        {
            "name": "携程商旅",
            "name_latin": "Trip.com Business",
            "account_type": "travel_agency",
            "relationship_level": "preferred",
            "level_reason": "Volume in 2025",
        },
        HTTP_IDEMPOTENCY_KEY="create-1",
    )
    assert again.json()["id"] == created.json()["id"] and Account.objects.count() == 1
    pk = created.json()["id"]
    detail = rest.get(f"/api/v1/accounts/{pk}/").json()
    assert detail["owner"] == salesperson.pk and detail["account_manager"] == salesperson.pk
    assert detail["coverage"]["levels_covered"] == 0 and detail["roadmap"]["next_milestone"] == "identify-account"
    assert detail["rollup"]["accounts"] == 1
    body = {k: v for k, v in rest.get(f"/api/v1/accounts/{pk}/").json().items()}
    body["notes"] = "Round trip"
    assert rest.put(f"/api/v1/accounts/{pk}/", body, format="json").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "account_type": "pirate"}, "account_type"),
        ({"name": "X", "parent": 2**70}, "parent"),
    ],
)
def test_bad_account_bodies_are_400_naming_the_field(api, salesperson, body, field):
    response = api.as_user(salesperson).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_body_that_is_not_an_object_and_a_bad_id(api, salesperson, own_account):
    rest = api.as_user(salesperson)
    assert rest.post("/api/v1/accounts/", [{"name": "X"}], format="json").status_code == 400
    assert rest.post(f"/api/v1/accounts/{own_account.pk}/contacts/", ["x"], format="json").status_code == 400
    assert rest.get("/api/v1/accounts/abc/").status_code == 404
    assert rest.get("/api/v1/accounts/999999/contacts/").status_code == 404


def test_the_companies_path_is_the_same_accounts(api, director, salesperson):
    rest = api.as_user(director)
    created = rest.post("/api/v1/companies/", {"name": "Old Style Co", "owner": salesperson.pk, "rate_code": "old-co"})
    assert created.status_code == 201 and created.json()["rate_code"] == "OLD-CO"
    row = rest.get("/api/v1/companies/").json()["results"][0]
    assert (row["name"], row["account_manager"], row["relationship_level"]) == (
        "Old Style Co",
        salesperson.pk,
        "ordinary",
    )
    assert rest.get(f"/api/v1/accounts/{row['id']}/").status_code == 200


def test_guests_link_to_accounts(api, front_desk, own_account):
    guest = GuestFactory()
    response = api.as_user(front_desk).patch(f"/api/v1/guests/{guest.pk}/", {"company": own_account.pk, "version": 1})
    assert response.status_code == 200 and response.json()["company"] == own_account.pk
    merged = AccountFactory(name="Gone", merged_into=own_account)
    refused = api.as_user(front_desk).patch(f"/api/v1/guests/{guest.pk}/", {"company": merged.pk, "version": 2})
    assert refused.status_code == 400 and "company" in refused.json()["errors"]


def test_contacts_endpoints(api, salesperson, own_account):
    rest = api.as_user(salesperson)
    base = f"/api/v1/accounts/{own_account.pk}/contacts/"
    person = rest.post(base, {"name": "Li Wei", "role": "decision_maker", "level": "high"}).json()
    guest = GuestFactory()
    rest.post(base, {"guest": guest.pk, "role": "booker", "level": "low"})
    assert [c["display_name"] for c in rest.get(base).json()["results"]] == ["Li Wei", guest.display_name]
    assert rest.get(f"{base}?level=low").json()["count"] == 1
    assert rest.patch(f"{base}{person['id']}/", {"influence": 5}).json()["influence"] == 5
    bad = rest.post(base, {"name": "X", "role": "chef", "level": "low"})
    assert bad.status_code == 400 and "role" in bad.json()["errors"]
    assert rest.post(f"{base}{person['id']}/erase/").json()["is_erased"] is True
    assert rest.get(base).json()["count"] == 1
    contact = AccountContact.objects.get(guest=guest)
    assert rest.delete(f"{base}{contact.pk}/").status_code == 204


def test_agreements_endpoints(api, salesperson, own_account, hotel):
    rest = api.as_user(salesperson)
    base = f"/api/v1/accounts/{own_account.pk}/agreements/"
    body = {
        "property": "LIS",
        "rate_code": "ACME",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "rate_amount": "120.00",
        "room_nights_committed": 300,
    }
    created = rest.post(base, body)
    assert created.status_code == 201 and created.json()["property"] == "LIS"
    for change, field in [
        ({"valid_from": "2027-01-01"}, "valid_to"),
        ({"room_nights_committed": -5}, "room_nights_committed"),
    ]:
        response = rest.patch(f"{base}{created.json()['id']}/", change)
        assert response.status_code == 400 and field in response.json()["errors"]
    overlap = rest.post(base, {**body, "valid_from": "2026-06-01", "valid_to": "2027-05-31"})
    assert overlap.status_code == 400 and "rate_code" in overlap.json()["errors"]
    assert rest.patch(f"{base}{created.json()['id']}/", {"status": "signed"}).json()["status"] == "signed"
    assert rest.get("/api/v1/account-agreements/?rate_code=acme&valid_on=2026-05-01").json()["count"] == 1
    assert Agreement.objects.count() == 1


def test_activities_endpoints_and_the_agenda(api, salesperson, own_account):
    rest = api.as_user(salesperson)
    base = f"/api/v1/accounts/{own_account.pk}/activities/"
    today = timezone.localdate()
    call = rest.post(
        base, {"kind": "call", "subject": "Intro", "due_on": (today - dt.timedelta(days=2)).isoformat()}
    ).json()
    assert call["owner"] == salesperson.pk and call["status"] == "open"
    overdue = rest.get("/api/v1/account-activities/?owner=me&overdue=true").json()
    assert [a["id"] for a in overdue["results"]] == [call["id"]]
    bad = rest.post(f"{base}{call['id']}/complete/", {"outcome": "ok", "next_step": "Send offer"})
    assert bad.status_code == 400 and "next_due_on" in bad.json()["errors"]
    done = rest.post(
        f"{base}{call['id']}/complete/",
        {"outcome": "Interested", "next_step": "Send offer", "next_due_on": (today + dt.timedelta(days=3)).isoformat()},
    ).json()
    assert done["status"] == "done" and done["follow_up"]
    assert (
        rest.post(f"{base}{done['follow_up']}/cancel/", {"reason": "Merged with visit"}).json()["status"] == "cancelled"
    )
    assert rest.get("/api/v1/account-activities/?owner=me&status=open").json()["count"] == 0
    assert Activity.objects.count() == 2


def test_team_ids_competitors_documents_endpoints(api, salesperson, other_salesperson, own_account):
    rest = api.as_user(salesperson)
    root = f"/api/v1/accounts/{own_account.pk}"
    member = rest.post(f"{root}/team/", {"user": other_salesperson.pk, "role": "property_sales", "property": "LIS"})
    assert member.status_code == 201
    assert rest.delete(f"{root}/team/{member.json()['id']}/").status_code == 204
    link = rest.post(f"{root}/external-ids/", {"system": "hotel-booking-demand:agent", "external_id": "240"})
    assert link.status_code == 201
    assert rest.get("/api/v1/accounts/?q=240").json()["results"][0]["id"] == own_account.pk
    assert rest.delete(f"{root}/external-ids/{link.json()['id']}/").status_code == 204
    competitor = rest.post(f"{root}/competitors/", {"name": "City Suites", "position": "level"}).json()
    assert rest.patch(f"{root}/competitors/{competitor['id']}/", {"position": "ahead"}).json()["position"] == "ahead"
    document = rest.post(f"{root}/documents/", {"title": "Plan", "url": "https://docs.example/p"})
    assert document.status_code == 201
    bad = rest.post(f"{root}/documents/", {"title": "Plan", "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "url" in bad.json()["errors"]


def test_plan_endpoint(api, salesperson, own_account):
    rest = api.as_user(salesperson)
    url = f"/api/v1/accounts/{own_account.pk}/plan/"
    assert rest.get(url).json()["scores"] == []
    body = rest.patch(
        url,
        {
            "business_goals": "Grow",
            "share_of_wallet": "40",
            "scores": [{"driver": "price", "importance": 5, "our_score": 2}],
        },
        format="json",
    ).json()
    assert body["business_goals"] == "Grow" and body["scores"][0]["gap"] == 3
    bad = rest.patch(url, {"scores": [{"driver": "price", "importance": 9, "our_score": 2}]}, format="json")
    assert bad.status_code == 400 and "scores[0].importance" in bad.json()["errors"]


def test_milestones_endpoint(api, salesperson, own_account):
    rest = api.as_user(salesperson)
    url = f"/api/v1/accounts/{own_account.pk}/milestones/"
    out_of_order = rest.post(url, {"milestone": "first-contact"})
    assert out_of_order.status_code == 400 and "milestone" in out_of_order.json()["errors"]
    state = rest.post(url, {"milestone": "identify-account"}).json()
    assert state["next_milestone"] == "map-decision-unit" and state["done"] == 1
    assert rest.delete(f"{url}identify-account/").json()["done"] == 0
    assert rest.delete(f"{url}identify-account/").status_code == 400
    assert rest.get(f"/api/v1/accounts/{own_account.pk}/timeline/").json()[0]["kind"] == "milestone_undone"


def test_board_and_vocabularies(api, salesperson, director, own_account):
    rest = api.as_user(salesperson)
    board = rest.get("/api/v1/roadmap-board/?owner=me").json()
    assert board["count"] == 1 and board["columns"][0]["accounts"][0]["next_milestone"] == "identify-account"
    assert rest.get("/api/v1/roadmap-board/?account_class=vip").status_code == 400
    stages = rest.get("/api/v1/roadmap-stages/").json()["results"]
    assert len(stages) == 7 and len(stages[0]["milestones"]) == 4
    assert rest.post("/api/v1/roadmap-stages/", {"code": "extra", "name": "Extra"}).status_code == 403
    boss = api.as_user(director)
    created = boss.post(
        "/api/v1/roadmap-stages/", {"code": "extra", "name": "Extra", "name_zh": "额外", "sort_order": 80}
    )
    assert created.status_code == 201
    bad = boss.post("/api/v1/roadmap-stages/", {"code": "extra", "name": "Again"})
    assert bad.status_code == 400 and "code" in bad.json()["errors"]
    stage = RoadmapStage.objects.get(code="extra")
    assert boss.patch(f"/api/v1/roadmap-stages/{stage.pk}/", {"is_active": False}).json()["is_active"] is False
    driver = boss.post("/api/v1/value-drivers/", {"code": "wellness", "name": "Wellness"}).json()
    assert driver["code"] == "wellness"
    milestone = boss.post("/api/v1/roadmap-milestones/", {"stage": "contract", "code": "legal", "name": "Legal review"})
    assert milestone.status_code == 201


def test_detail_query_count_does_not_grow_with_the_group(api, salesperson, own_account, django_assert_max_num_queries):
    for i in range(3):
        child = AccountFactory(name=f"Child {i}", parent=own_account)
        ContactFactory(account=child)
        AgreementFactory(account=child)
        ActivityFactory(account=child, owner=salesperson)
    rest = api.as_user(salesperson)
    with django_assert_max_num_queries(20):
        assert rest.get(f"/api/v1/accounts/{own_account.pk}/").status_code == 200
