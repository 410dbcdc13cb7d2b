"""Issue #10's cross-hotel attacks, replayed: a Lisbon front-desk login cannot read,
change or create another hotel's stays, and every property-scoped list it reads — API
and pages — holds its own hotel's objects only."""

from __future__ import annotations

import pytest

from care.models import CareTask, ChurnWarning, StaySurvey
from complaints.models import Complaint, ComplaintEvent
from crm_site import roles
from guests.models import Stay
from loyalty.models import MissingPointsClaim

from .chain import OTHER, OWN, build_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    return build_chain()


@pytest.fixture
def desk(django_user_model, chain):
    return django_user_model.objects.get(username=roles.FRONT_DESK)


def _rows():
    return list(Stay.objects.order_by("pk").values())


def test_lisbon_desk_cannot_patch_another_hotels_stay(api, desk, chain):
    before = _rows()
    response = api.as_user(desk).patch(
        f"/api/v1/stays/{chain[OTHER]['stay']}/", {"room_number": "666", "status": "cancelled"}, format="json"
    )
    assert response.status_code == 404
    assert _rows() == before
    assert api.as_user(desk).put(f"/api/v1/stays/{chain[OTHER]['stay']}/", {}, format="json").status_code == 404
    assert api.get(f"/api/v1/stays/{chain[OTHER]['stay']}/").status_code == 404
    assert api.get(f"/api/v1/stays/{chain[OWN]['stay']}/").status_code == 200


def test_lisbon_desk_cannot_create_a_stay_at_another_hotel(api, desk, chain):
    row = {
        "property": "ALG",
        "confirmation_number": "ATTACK-1",
        "arrival_date": "2026-03-10",
        "departure_date": "2026-03-12",
    }
    before = _rows()
    response = api.as_user(desk).post("/api/v1/stays/", row, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"property": ["This property is not one of yours."]}
    bulk = api.post("/api/v1/stays/bulk/", {"stays": [{**row, "property": "LIS"}, row]}, format="json")
    assert bulk.status_code == 400
    assert bulk.json()["rows"] == [{"row": 1, "field": "property", "message": "This property is not one of yours."}]
    assert _rows() == before  # all or nothing: the Lisbon row was not written either
    assert api.post("/api/v1/stays/", {**row, "property": "LIS"}, format="json").status_code == 201


def test_lisbon_desk_reads_no_other_hotels_stays(api, desk, chain):
    client = api.as_user(desk)
    assert client.get("/api/v1/stays/", {"property": "ALG"}).json()["results"] == []
    listed = {s["id"] for s in client.get("/api/v1/stays/").json()["results"]}
    assert chain[OWN]["stay"] in listed and chain[OTHER]["stay"] not in listed
    assert listed == set(Stay.objects.filter(property__code="LIS").values_list("pk", flat=True))
    guest = chain[OTHER]["stay_guest"]  # a guest who stayed at the other hotel: the profile is chain-wide
    profile = client.get(f"/api/v1/guests/{guest}/profile/").json()
    assert profile["stays"] == [] and profile["stays_total"] == 0 and profile["all_properties"] is False
    assert profile["sections"]["complaints"]["complaints"] == []
    assert profile["sections"]["complaints"]["other_properties"] == 1


# Every property-scoped list of the API: the key its rows carry their id in.
API_LISTS = {
    "/api/v1/stays/": (Stay, "property__code"),
    "/api/v1/complaints/": (Complaint, "property__code"),
    "/api/v1/care-tasks/": (CareTask, "property__code"),
    "/api/v1/churn-warnings/?status=all": (ChurnWarning, "last_property__code"),
    "/api/v1/surveys/": (StaySurvey, "stay__property__code"),
    "/api/v1/points-claims/": (MissingPointsClaim, "property__code"),
}


@pytest.mark.parametrize("url", list(API_LISTS))
@pytest.mark.parametrize("role", [roles.FRONT_DESK, roles.GUEST_RELATIONS, roles.SALES_MANAGER])
def test_scoped_api_lists(url, role, api, chain, django_user_model):
    model, to_code = API_LISTS[url]
    user = django_user_model.objects.get(username=role)
    rows = api.as_user(user).get(url, {"page_size": 100}).json()
    ids = {r["id"] for r in rows["results"]}
    codes = {"LIS"} if role != roles.SALES_MANAGER else {"LIS", "ALG"}
    assert ids == set(model.objects.filter(**{f"{to_code}__in": codes}).values_list("pk", flat=True))
    assert ids  # the chain has some at every hotel


def test_complaint_timeline_and_notices_are_scoped(api, client, desk, chain):
    client.force_login(desk)
    assert api.as_user(desk).get(f"/api/v1/complaints/{chain[OTHER]['complaint']}/timeline/").status_code == 404
    queue = client.get("/complaints/")
    notices = {n.escalation.complaint_id for n in queue.context["notifications"]}
    assert notices == {chain[OWN]["complaint"]}
    assert ComplaintEvent.objects.filter(complaint_id=chain[OTHER]["complaint"]).exists()


# Every property-scoped list page: the hotel of each row it shows.
PAGE_LISTS = {
    "/complaints/": lambda r: [c.property.code for c in r.context["page"].object_list],
    "/care/?status=all": lambda r: [row["task"].property.code for row in r.context["rows"]],
    "/care/surveys/": lambda r: [s.stay.property.code for s in r.context["page"].object_list],
    "/loyalty/claims/?all=1": lambda r: [c.property.code for c in r.context["page"].object_list],
}


@pytest.mark.parametrize("url", list(PAGE_LISTS))
def test_scoped_pages(url, client, desk, chain):
    client.force_login(desk)
    response = client.get(url)
    assert response.status_code == 200
    codes = PAGE_LISTS[url](response)
    assert codes and set(codes) == {"LIS"}


def test_page_urls_of_another_hotels_objects_are_404(client, desk, chain):
    client.force_login(desk)
    other = chain[OTHER]
    for url in (f"/complaints/{other['complaint']}/",):
        assert client.get(url).status_code == 404
    for url in (
        f"/complaints/{other['complaint']}/transition/",
        f"/care/items/{other['care_task']}/done/",
        f"/loyalty/claims/{other['claim']}/decide/",
    ):
        assert client.post(url, {"to": "investigating", "decision": "reject", "reason": "x"}).status_code in (403, 404)
    assert client.post(f"/care/items/{other['care_task']}/done/").status_code == 404
    assert CareTask.objects.get(pk=other["care_task"]).status == CareTask.Status.OPEN
