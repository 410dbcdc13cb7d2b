"""Never a 500: every date or month parameter of the care pages and API outside
1900-2100 (year 9999 …) or malformed is a 400 naming the field; forms and the API report
every invalid field at once and write nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from care.models import StaySurvey
from guests.models import Stay
from tests.factories import GuestFactory, StayFactory

BAD_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2024-02-30", "yesterday", "10000-01-01"]
BAD_MONTHS = ["9999-12", "0001-01", "2024-13", "12-2024", "9999-12-31"]


@pytest.mark.parametrize("value", BAD_MONTHS)
@pytest.mark.parametrize("field", ["start", "end"])
def test_lost_analysis_page_refuses_a_bad_month(client, sales_manager, field, value):
    client.force_login(sales_manager)
    response = client.get(reverse("care:lost"), {field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_lost_analysis_page_reports_both_months_at_once(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get(reverse("care:lost"), {"start": "9999-12", "end": "0001-01"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"start", "end"}


@pytest.mark.parametrize("value", BAD_DATES)
def test_care_list_page_refuses_a_bad_day(client, sales_manager, value):
    client.force_login(sales_manager)
    response = client.get(reverse("care:care-list"), {"day": value})
    assert response.status_code == 400
    assert "day" in response.context["form"].errors


@pytest.mark.parametrize(
    ("url", "field"),
    [("care:worklist", "opened_from"), ("care:worklist", "opened_to"), ("care:surveys", "received_from")],
)
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "nonsense"])
def test_list_filters_refuse_a_bad_date(client, sales_manager, url, field, value):
    client.force_login(sales_manager)
    response = client.get(reverse(url), {field: value})
    assert response.status_code == 400
    assert field in response.context["filterset"].form.errors


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/churn-warnings/", "opened_from"),
        ("/api/v1/care-tasks/", "due_from"),
        ("/api/v1/care-tasks/", "due_to"),
        ("/api/v1/surveys/", "received_from"),
        ("/api/v1/surveys/summary/", "received_to"),
    ],
)
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_api_list_filters_refuse_a_bad_date(api, sales_manager, url, field, value):
    response = api.as_user(sales_manager).get(url, {field: value})
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_api_lost_analysis_reports_every_bad_parameter(api, sales_manager):
    response = api.as_user(sales_manager).get(
        "/api/v1/churn-warnings/lost-analysis/", {"start": "9999-12", "end": "0001-01", "property": "NOPE"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"start", "end", "property"}
    response = api.as_user(sales_manager).get(
        "/api/v1/churn-warnings/lost-analysis/", {"start": "2025-06", "end": "2025-01"}
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {"end"}


def test_api_lost_analysis_accepts_months_and_dates(api, sales_manager):
    response = api.as_user(sales_manager).get(
        "/api/v1/churn-warnings/lost-analysis/", {"start": "2025-01", "end": "2025-03-15"}
    )
    assert response.status_code == 200
    assert response.json()["months"] == ["2025-01", "2025-02", "2025-03"]


# --- surveys: every invalid field at once ------------------------------------------------------


@pytest.fixture
def reserved_stay(hotel):
    return StayFactory(property=hotel, guest=GuestFactory(), status=Stay.Status.RESERVED)


def test_survey_api_reports_type_errors_together(api, guest_relations, reserved_stay):
    response = api.as_user(guest_relations).post(
        "/api/v1/surveys/", {"stay": reserved_stay.pk, "overall": 9, "received_on": "9999-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert {"overall", "received_on"} <= set(response.json()["errors"])
    assert not StaySurvey.objects.exists()


def test_survey_api_reports_rule_errors_together(api, guest_relations, reserved_stay):
    before_departure = (reserved_stay.departure_date - dt.timedelta(days=1)).isoformat()
    response = api.as_user(guest_relations).post(
        "/api/v1/surveys/",
        {"stay": reserved_stay.pk, "overall": 4, "received_on": before_departure, "comment": "x" * 4001},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"stay", "received_on", "comment"}
    assert not StaySurvey.objects.exists()


def test_survey_form_reports_every_field(client, guest_relations, hotel):
    client.force_login(guest_relations)
    response = client.post(reverse("care:surveys"), {"property": "", "confirmation_number": "", "overall": "9"})
    assert response.status_code == 400
    assert {"property", "confirmation_number", "overall"} <= set(response.context["form"].errors)


def test_survey_form_maps_service_errors_to_its_fields(client, guest_relations, hotel, reserved_stay):
    client.force_login(guest_relations)
    response = client.post(
        reverse("care:surveys"),
        {"property": hotel.code, "confirmation_number": reserved_stay.confirmation_number, "overall": "4"},
    )
    assert response.status_code == 400
    assert "confirmation_number" in response.context["form"].errors
    assert not StaySurvey.objects.exists()
