"""/api/v1/complaints/: intake, lists, transitions, timeline, analysis; bad input is a clear 4xx."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints.models import Complaint
from crm_site import roles
from tests.complaints.factories import ComplaintFactory, handler_for
from tests.factories import GuestFactory, StayFactory, UserFactory

S = Complaint.Status
URL = "/api/v1/complaints/"
H = dt.timedelta(hours=1)


def _payload(hotel, **changes):
    return {
        "property": hotel.code,
        "category": "facilities",
        "severity": "high",
        "description": "No hot water",
        **changes,
    }


# --- intake ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_front_desk_logs_a_complaint(api, front_desk, hotel):
    guest = GuestFactory()
    stay = StayFactory(guest=guest, property=hotel)
    response = api.as_user(front_desk).post(URL, _payload(hotel, guest=guest.pk, stay=stay.pk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received" and body["property"] == "LIS" and body["guest"] == guest.pk
    assert body["created_by"] == "front_desk"
    assert body["time_left_seconds"] > 0 and body["is_overdue"] is False
    assert body["allowed_transitions"] == []  # the desk logs; guest relations work the queue


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        ({"property": "XXX"}, "property", 400),
        ({"category": "weather"}, "category", 400),
        ({"severity": "meh"}, "severity", 400),
        ({"description": ""}, "description", 400),
        ({"guest": 999999}, "guest", 400),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at", 400),
    ],
)
def test_intake_bad_input(api, front_desk, hotel, changes, field, status):
    response = api.as_user(front_desk).post(URL, _payload(hotel, **changes), format="json")
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_intake_stay_of_another_guest(api, front_desk, hotel):
    guest = GuestFactory()
    stay = StayFactory(guest=GuestFactory(), property=hotel)
    response = api.as_user(front_desk).post(URL, _payload(hotel, guest=guest.pk, stay=stay.pk), format="json")
    assert response.status_code == 400
    assert "another guest" in response.json()["errors"]["stay"][0]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_intake_at_a_property_outside_scope(api, front_desk, other_hotel):
    response = api.as_user(front_desk).post(URL, _payload(other_hotel), format="json")
    assert response.status_code == 400  # crm_site.scope: another hotel named in input
    assert response.json()["errors"] == {"property": ["This property is not one of yours."]}
    assert not Complaint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.SALES_MANAGER, roles.INTEGRATOR_READONLY])
def test_roles_without_intake(api, hotel, role):
    user = UserFactory(roles=[role], properties=[hotel])
    response = api.as_user(user).post(URL, _payload(hotel), format="json")
    assert response.status_code == 403
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_intake_is_idempotent_with_a_key(api, integrator, hotel):
    client = api.as_user(integrator)
    first = client.post(URL, _payload(hotel), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, _payload(hotel), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Complaint.objects.count() == 1


# --- lists and scope ------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_is_scoped_filtered_and_sorted_by_time_left(api, hotel, other_hotel, front_desk, sales_manager):
    now = timezone.now()
    late = ComplaintFactory(property=hotel, severity="critical", received_at=now - 2 * H)
    fresh = ComplaintFactory(property=hotel, severity="low", category="facilities", received_at=now)
    soon = ComplaintFactory(property=hotel, severity="high", received_at=now - 1 * H)
    done = ComplaintFactory(property=hotel, status=S.RESOLVED)
    elsewhere = ComplaintFactory(property=other_hotel)

    ids = [c["id"] for c in api.as_user(front_desk).get(URL).json()["results"]]
    assert ids == [late.pk, soon.pk, fresh.pk, done.pk]  # elsewhere is not visible
    ids = [c["id"] for c in api.as_user(sales_manager).get(URL).json()["results"]]
    assert set(ids) == {late.pk, soon.pk, fresh.pk, done.pk, elsewhere.pk}

    def ids_for(query):
        response = api.as_user(sales_manager).get(URL + query)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids_for("?overdue=true") == [late.pk]
    assert set(ids_for("?overdue=false")) == {soon.pk, fresh.pk, done.pk, elsewhere.pk}
    assert ids_for("?property=alg") == [elsewhere.pk]
    assert ids_for("?category=facilities") == [fresh.pk]
    assert ids_for("?severity=critical") == [late.pk]
    assert ids_for("?status=resolved") == [done.pk]
    assert ids_for(f"?assignee={done.assignee_id}") == [done.pk]
    assert ids_for("?ordering=-time_left")[:1] == [elsewhere.pk]  # most time left first, resolved last
    assert ids_for("?ordering=-time_left")[-1] == done.pk
    assert api.as_user(sales_manager).get(URL + "?status=bogus").status_code == 400

    assert api.as_user(front_desk).get(f"{URL}{elsewhere.pk}/").status_code == 404
    body = api.as_user(front_desk).get(f"{URL}{late.pk}/").json()
    assert body["is_overdue"] is True and body["time_left_seconds"] < 0


# --- transitions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_guest_relations_moves_a_complaint_to_closed(api, hotel, guest_relations):
    complaint = ComplaintFactory(property=hotel)
    client = api.as_user(guest_relations)
    url = f"{URL}{complaint.pk}/transition/"
    steps = [
        {"to": "assigned", "assignee": guest_relations.pk},
        {"to": "investigating", "comment": "Calling the guest"},
        {"to": "resolved", "action_taken": "Room moved", "root_cause": "Boiler", "compensation_money": "30.00"},
        {"to": "feedback_recorded", "satisfaction": 5, "feedback": "Great"},
        {"to": "closed"},
    ]
    for step in steps:
        response = client.post(url, step, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == step["to"]
    timeline = client.get(f"{URL}{complaint.pk}/timeline/").json()
    assert [(e["from_status"], e["to_status"], e["by"]) for e in timeline] == [
        ("", "received", None),
        ("received", "assigned", "guest_relations"),
        ("assigned", "investigating", "guest_relations"),
        ("investigating", "resolved", "guest_relations"),
        ("resolved", "feedback_recorded", "guest_relations"),
        ("feedback_recorded", "closed", "guest_relations"),
    ]
    assert timeline[2]["comment"] == "Calling the guest"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "body", "field", "code"),
    [
        (S.RECEIVED, {"to": "closed"}, "to", 400),
        (S.RECEIVED, {"to": "nonsense"}, "to", 400),
        (S.RECEIVED, {"to": "assigned"}, "assignee", 400),
        (S.INVESTIGATING, {"to": "resolved"}, "action_taken", 400),
        (
            S.INVESTIGATING,
            {"to": "resolved", "action_taken": "x", "compensation_points": -3},
            "compensation_points",
            400,
        ),
        (S.RESOLVED, {"to": "feedback_recorded", "satisfaction": 6}, "satisfaction", 400),
        (S.RESOLVED, {"to": "feedback_recorded", "satisfaction": 0}, "satisfaction", 400),
        (S.RESOLVED, {"to": "feedback_recorded", "satisfaction": "five"}, "satisfaction", 400),
        (S.CLOSED, {"to": "investigating"}, "comment", 400),
    ],
)
def test_bad_transitions_are_4xx_and_change_nothing(api, hotel, guest_relations, status, body, field, code):
    complaint = ComplaintFactory(property=hotel, status=status)
    events = complaint.events.count()
    response = api.as_user(guest_relations).post(f"{URL}{complaint.pk}/transition/", body, format="json")
    assert response.status_code == code, response.content
    assert field in response.json()["errors"]
    complaint.refresh_from_db()
    assert complaint.status == status and complaint.events.count() == events


@pytest.mark.django_db
def test_transition_without_permission(api, hotel, front_desk, sales_manager):
    complaint = ComplaintFactory(property=hotel)
    for user in (front_desk, sales_manager):
        response = api.as_user(user).post(
            f"{URL}{complaint.pk}/transition/", {"to": "assigned", "assignee": user.pk}, format="json"
        )
        assert response.status_code == 403
        assert "to" in response.json()["errors"]
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED


@pytest.mark.django_db
def test_transition_outside_scope_is_not_found(api, hotel, other_hotel):
    outsider = handler_for(other_hotel)
    complaint = ComplaintFactory(property=hotel)
    response = api.as_user(outsider).post(
        f"{URL}{complaint.pk}/transition/", {"to": "assigned", "assignee": outsider.pk}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_link_guest_later(api, hotel, front_desk):
    complaint = ComplaintFactory(property=hotel, guest=None, stay=None)
    stay = StayFactory(property=hotel)
    response = api.as_user(front_desk).post(f"{URL}{complaint.pk}/link-guest/", {"stay": stay.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["guest"] == stay.guest_id
    other = StayFactory(property=hotel)
    response = api.as_user(front_desk).post(f"{URL}{complaint.pk}/link-guest/", {"stay": other.pk}, format="json")
    assert response.status_code == 400 and "stay" in response.json()["errors"]


# --- analysis -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_analysis_endpoint_for_sales_managers_only(api, hotel, sales_manager, front_desk, guest_relations):
    ComplaintFactory(property=hotel, status=S.CLOSED)
    assert api.as_user(front_desk).get(f"{URL}analysis/").status_code == 403
    assert api.as_user(guest_relations).get(f"{URL}analysis/").status_code == 403
    response = api.as_user(sales_manager).get(f"{URL}analysis/")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["satisfaction"]["rated"] == 1
    assert body["median_seconds_to_resolve"] is not None
    bad = api.as_user(sales_manager).get(f"{URL}analysis/?date_from=2026-05-01&date_to=2026-01-01")
    assert bad.status_code == 400 and "date_to" in bad.json()["errors"]
    assert api.as_user(sales_manager).get(f"{URL}analysis/?property=NOPE").json()["errors"] == {
        "property": ["Unknown property."]
    }


@pytest.mark.django_db
def test_schema_documents_the_complaint_endpoints(api, chain_admin):
    schema = api.as_user(chain_admin).get("/api/schema/").content.decode()
    for path in ("/api/v1/complaints/", "/api/v1/complaints/{id}/transition/", "/api/v1/complaints/{id}/timeline/"):
        assert path in schema


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(api, hotel, guest_relations, django_assert_num_queries):
    client = api.as_user(guest_relations)
    ComplaintFactory(property=hotel, status=S.ASSIGNED, by=guest_relations)
    client.get(URL)  # warm permission caches
    with django_assert_num_queries(2) as first:  # count + page (permissions and roles cached)
        client.get(URL)
    for _ in range(6):
        ComplaintFactory(property=hotel, status=S.RESOLVED, by=guest_relations)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(URL)
    assert response.json()["count"] == 7
