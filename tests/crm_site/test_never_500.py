"""Bad input reaches no view as a 500: the request-level guards and the error shape."""

import datetime as dt
import json

import pytest
from django.test import Client, override_settings
from django.urls import path
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag
from guests.models import Property

pytestmark = pytest.mark.django_db


def test_a_deeply_nested_body_is_400(api, chain_admin):
    body = "[" * 5000 + "]" * 5000
    response = api.as_user(chain_admin).generic("POST", "/api/v1/properties/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_nul_byte_anywhere_in_the_body_is_400_naming_where(api, integrator, hotel):
    row = {
        "property": "LIS",
        "confirmation_number": "A1",
        "arrival_date": "2026-01-01",
        "departure_date": "2026-01-02",
        "special_requests": "late\u0000check-in",
    }
    response = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": [row]}, format="json")
    assert response.status_code == 400
    assert "stays[0].special_requests" in response.json()["detail"]


def test_a_json_array_where_an_object_is_expected_is_400(api, chain_admin):
    response = api.as_user(chain_admin).post("/api/v1/properties/", [{"code": "X"}], format="json")
    assert response.status_code == 400
    assert Property.objects.filter(code="X").count() == 0


@override_settings(REQUEST_BODY_MAX_BYTES=1024)
def test_a_body_over_the_limit_is_413_before_it_is_read(api, chain_admin):
    response = api.as_user(chain_admin).post("/api/v1/properties/", {"code": "BIG", "name": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_non_numeric_id_is_404_json(api, chain_admin):
    for url in ("/api/v1/guest-merges/abc/undo/", "/api/v1/guests/abc/", "/api/v1/stays/1e3/"):
        response = api.as_user(chain_admin).post(url) if "undo" in url else api.as_user(chain_admin).get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_unknown_api_url_is_json_404_and_unknown_page_is_a_page(client, chain_admin):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    client.force_login(chain_admin)
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and b"<html" in page.content and b"Page not found" in page.content


@api_view(["GET"])
@permission_classes([AllowAny])
def _broken(request):
    raise ZeroDivisionError("a bug")


urlpatterns = [path("api/v1/broken/", _broken)]
handler500 = "crm_site.error_views.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_api_bug_is_a_json_500_not_an_html_page():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/broken/")
    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "detail": "Something went wrong on our side; the error was logged.",
        "errors": {},
    }


def test_every_error_has_code_detail_and_errors(api, integrator):
    response = api.as_user(integrator).get("/api/v1/arrivals/", {"property": "NOPE", "date": "9999-12-31"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"code", "detail", "errors"} and body["code"] == "invalid"


def test_the_schema_documents_error_answers_for_every_operation(api, chain_admin):
    schema = api.as_user(chain_admin).get("/api/schema/", {"format": "json"}).json()
    assert "Error" in schema["components"]["schemas"]
    for route, operations in schema["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "401", "403", "404", "429"} | ({"409", "413"} if method != "get" else set())
            assert expected <= set(operation["responses"]), (method, route)


# --- the shared coercers ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_dates_outside_1900_2100_name_the_field(value):
    with pytest.raises(DomainError) as caught:
        parsing.as_date(value, field="arrival_date")
    assert caught.value.field == "arrival_date" and caught.value.code == "date_out_of_range"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_in_range_round_trips(day):
    assert parsing.as_date(day.isoformat(), field="d") == day


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.booleans(), st.none()))
def test_coercers_raise_only_domain_errors(value):
    for coerce in (
        lambda v: parsing.as_date(v, field="f"),
        lambda v: parsing.as_int(v, field="f"),
        lambda v: parsing.as_points(v, field="f"),
        lambda v: parsing.as_money(v, field="f"),
        lambda v: parsing.as_text(v, field="f", max_length=10),
        lambda v: parsing.as_bool(v, field="f"),
        lambda v: parsing.as_datetime(v, field="f"),
    ):
        try:
            coerce(value)
        except DomainError as error:
            assert error.field == "f" and error.code


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_money_keeps_cents_exactly(cents):
    text = f"{cents / 100:.2f}"
    if cents < 0:
        with pytest.raises(DomainError):
            parsing.as_money(text, field="amount")
    else:
        assert parsing.as_money(text, field="amount") * 100 == cents


def test_an_error_bag_reports_every_field_at_once():
    bag = ErrorBag()
    bag.check(parsing.as_date, "2026-02-30", field="birth_date")
    bag.check(parsing.as_int, "x", field="adults")
    assert parsing.as_text("ok", field="name") == "ok"
    with pytest.raises(DomainError) as caught:
        bag.raise_if_any()
    body = caught.value.body()
    assert set(body["errors"]) == {"birth_date", "adults"} and body["detail"] == "2 fields are invalid."


def test_error_body_is_valid_json_for_lazy_messages():
    error = DomainError.many({"a": "first", "b": ["second", "third"]})
    assert json.loads(json.dumps(error.body()))["errors"]["b"] == ["second", "third"]
