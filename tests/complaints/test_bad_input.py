"""Never a 500: dates outside 1900-2100 or malformed on the complaint pages and API are a
400 naming the field; intake and transitions report every invalid field at once and
write nothing."""

import pytest
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent
from tests.complaints.factories import ComplaintFactory
from tests.factories import GuestFactory, StayFactory

S = Complaint.Status
URL = "/api/v1/complaints/"
BAD_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2024-02-30", "soon"]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_analysis_page_refuses_a_bad_date(as_user, sales_manager, field, value):
    response = as_user(sales_manager).get(reverse("complaints:analysis"), {field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("field", ["received_from", "received_to"])
def test_queue_refuses_a_bad_date(as_user, guest_relations, field, value):
    response = as_user(guest_relations).get(reverse("complaints:queue"), {field: value})
    assert response.status_code == 400
    assert field in response.context["filter"].form.errors


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_api_refuses_bad_dates(api, sales_manager, value):
    client = api.as_user(sales_manager)
    response = client.get(f"{URL}analysis/", {"date_from": value, "date_to": "0001-01-01"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"date_from", "date_to"}
    response = client.get(URL, {"received_from": value})
    assert response.status_code == 400 and "received_from" in response.json()["errors"]


@pytest.mark.django_db
def test_api_intake_reports_every_invalid_field_at_once(api, front_desk):
    response = api.as_user(front_desk).post(
        URL,
        {
            "property": "NOPE",
            "category": "bogus",
            "description": "",
            "guest": 987654321,
            "stay": 987654321,
            "received_at": "9999-01-01T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"property", "category", "description", "guest", "stay", "received_at"}
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_api_intake_names_every_field_then_how_they_fit_together(api, front_desk, hotel, other_hotel):
    """Each field on its own first (all at once), then the rules between fields (all at once)."""
    merged = GuestFactory(merged_into=GuestFactory())
    elsewhere = StayFactory(property=other_hotel)
    body = {"property": hotel.code, "category": "facilities", "description": "Noisy", "stay": elsewhere.pk}
    client = api.as_user(front_desk)
    response = client.post(URL, {**body, "guest": merged.pk, "received_at": "1850-01-01T10:00:00Z"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"guest", "received_at"}
    assert "merged" in response.json()["errors"]["guest"][0]
    response = client.post(URL, {**body, "guest": GuestFactory().pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"stay"}
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_intake_form_reports_every_field(as_user, front_desk, hotel):
    response = as_user(front_desk).post(
        reverse("complaints:create"), {"property": hotel.code, "category": "", "description": "", "severity": "x"}
    )
    assert response.status_code == 400
    assert {"category", "description", "severity"} <= set(response.context["form"].errors)
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_a_resolve_with_several_bad_inputs_names_them_all_and_writes_nothing(api, guest_relations, hotel):
    complaint = ComplaintFactory(property=hotel, status=S.INVESTIGATING, handler=guest_relations)
    events = ComplaintEvent.objects.filter(complaint=complaint).count()
    response = api.as_user(guest_relations).post(
        f"{URL}{complaint.pk}/transition/",
        {"to": "resolved", "action_taken": "", "compensation_points": -5, "compensation_money": "-1.00"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"action_taken", "compensation_points", "compensation_money"}
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == events


@pytest.mark.django_db
def test_transition_form_shows_every_error(as_user, guest_relations, hotel):
    complaint = ComplaintFactory(property=hotel, status=S.RESOLVED, handler=guest_relations)
    response = as_user(guest_relations).post(
        reverse("complaints:transition", args=[complaint.pk]),
        {"to": "feedback_recorded", "satisfaction": "", "feedback": "x" * 5001},
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED
