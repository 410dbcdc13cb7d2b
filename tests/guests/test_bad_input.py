"""Every guests input is checked before it reaches the database: a 4xx naming the field,
all invalid fields at once, never a 500."""

import pytest

from guests.models import Guest, GuestMerge, Property
from tests.factories import GuestFactory, PreferenceTypeFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


def test_guest_create_reports_every_invalid_field_at_once(api, front_desk):
    response = api.as_user(front_desk).post(
        "/api/v1/guests/",
        {
            "email": "not-an-email",
            "phone": "call me",
            "birth_date": "9999-12-31",
            "nationality": "P1",
            "gender": "Q",
            "notes": "x" * 5001,
            "vip_code": "V" * 17,
            "marketing_email_consent": "perhaps",
            "company": HUGE,
            "colour": "blue",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {
        "email",
        "phone",
        "birth_date",
        "nationality",
        "gender",
        "notes",
        "vip_code",
        "marketing_email_consent",
        "company",
        "colour",
        "family_name",
    }
    assert body["code"] == "invalid" and "fields are invalid" in body["detail"]
    assert not Guest.objects.exists()


def test_guest_update_reports_every_invalid_field_at_once(api, front_desk):
    guest = GuestFactory(family_name_latin="Silva")
    response = api.as_user(front_desk).patch(
        f"/api/v1/guests/{guest.pk}/", {"email": "x@", "phone": "no", "birth_date": "1850-01-01", "version": 1}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "phone", "birth_date"}
    guest.refresh_from_db()
    assert guest.version == 1


def test_guest_page_form_shows_every_invalid_field_at_once(client, front_desk):
    client.force_login(front_desk)
    response = client.post(
        "/guests/new/",
        {"email": "not-an-email", "phone": "call me", "birth_date": "31.12.80x", "nationality": "P1", "notes": "\x00"},
    )
    assert response.status_code == 200
    assert {"email", "phone", "birth_date", "nationality", "notes", "family_name"} <= set(
        response.context["form"].errors
    )
    assert not Guest.objects.exists()


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/guests/", {"company": HUGE}, "company"),
        ("/api/v1/guests/", {"company": "1.5"}, "company"),
        ("/api/v1/stays/", {"guest": HUGE}, "guest"),
        ("/api/v1/stays/", {"guest": "-3"}, "guest"),
    ],
)
def test_id_filters_out_of_range_are_400_naming_the_filter(api, front_desk, path, params, field):
    response = api.as_user(front_desk).get(path, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_api_sends_back_what_it_reads(api, front_desk):
    """A client may PUT what it read: output-only fields are not refused as unknown."""
    guest = GuestFactory(family_name_latin="Silva")
    client = api.as_user(front_desk)
    body = client.get(f"/api/v1/guests/{guest.pk}/").json()
    body["notes"] = "Round trip"
    response = client.put(f"/api/v1/guests/{guest.pk}/", body)
    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "Round trip" and response.json()["version"] == 2


@pytest.fixture
def ids(hotel):
    guest = GuestFactory()
    other = GuestFactory()
    PreferenceTypeFactory(code="pillow-feather")
    return {"guest": guest.pk, "other": other.pk}


API_CASES = [
    ("get", "/api/v1/guests/{HUGE}/", None),
    ("get", "/api/v1/guests/?company={HUGE}", None),
    ("get", "/api/v1/guests/?updated_since=9999-12-31T23:59:59", None),
    ("get", "/api/v1/guests/?q=%00zhang", None),
    ("get", "/api/v1/guests/?q=" + "%25" * 500, None),
    ("get", "/api/v1/guests/?page=-1", None),
    ("get", "/api/v1/guests/{guest}/profile/?x=%00", None),
    ("get", "/api/v1/stays/?guest={HUGE}", None),
    ("get", "/api/v1/stays/?arrival_from=9999-12-31", None),
    ("get", "/api/v1/stays/?property=%00", None),
    ("get", "/api/v1/stays/{HUGE}/", None),
    ("get", "/api/v1/arrivals/?property=LIS&date=9999-12-31", None),
    ("get", "/api/v1/arrivals/?property=%00&date=2026-01-01", None),
    ("post", "/api/v1/guests/", {"family_name": ["Silva"]}),
    ("post", "/api/v1/guests/", {"family_name": "Silva", "company": 2**70}),
    ("post", "/api/v1/guests/", {"family_name": "Silva", "birth_date": "9999-12-31"}),
    ("post", "/api/v1/guests/", {"family_name": {"x": 1}}),
    ("post", "/api/v1/guests/", ["Silva"]),
    ("patch", "/api/v1/guests/{guest}/", {"notes": "x", "version": 2**70}),
    ("patch", "/api/v1/guests/{guest}/", {"notes": "x", "version": [1]}),
    ("post", "/api/v1/guests/{guest}/merge/", {"duplicate": 2**70}),
    ("post", "/api/v1/guests/{guest}/merge/", {"duplicate": "abc"}),
    ("post", "/api/v1/guests/{guest}/merge/", {"duplicate": -1}),
    ("post", "/api/v1/guests/{guest}/merge/", {"duplicate": "{other}", "note": "x" * 301}),
    ("post", "/api/v1/guests/{guest}/merge/", ["x"]),
    ("post", "/api/v1/guest-merges/{HUGE}/undo/", None),
    ("post", "/api/v1/guests/{guest}/preferences/", {"preference_type": "pillow\x00", "note": "x"}),
    (
        "post",
        "/api/v1/guests/{guest}/preferences/",
        {"preference_type": "pillow-feather", "last_confirmed": "9999-12-31"},
    ),
    ("post", "/api/v1/guests/{guest}/preferences/", {"preference_type": "pillow-feather", "note": "x" * 201}),
    ("delete", "/api/v1/guests/{guest}/preferences/{HUGE}/", None),
    ("get", "/api/v1/guests/{HUGE}/preferences/", None),
    ("post", "/api/v1/properties/", {"code": "\x00", "name": "x"}),
    ("post", "/api/v1/properties/", {"code": "OPO", "name": "Porto", "timezone": "x" * 1000}),
    ("post", "/api/v1/properties/", {"code": "OPO", "name": "Porto", "is_active": "perhaps"}),
    ("patch", "/api/v1/properties/{HUGE}/", {"name": "x"}),
    ("post", "/api/v1/stays/", {"property": "LIS", "confirmation_number": "X", "arrival_date": [1]}),
    ("post", "/api/v1/stays/", ["LIS"]),
    ("post", "/api/v1/stays/bulk/", {"stays": {"a": 1}}),
    ("post", "/api/v1/stays/bulk/", "just text"),
]


def _url(template: str, ids: dict) -> str:
    return template.format(HUGE=HUGE, **ids)


def _body(body, ids):
    if isinstance(body, dict):
        return {k: _url(v, ids) if isinstance(v, str) and "{" in v else v for k, v in body.items()}
    return body


@pytest.mark.parametrize(("method", "url", "body"), API_CASES)
def test_bad_api_input_is_a_4xx_never_a_500(api, chain_admin, ids, method, url, body):
    client = api.as_user(chain_admin)
    response = getattr(client, method)(_url(url, ids), _body(body, ids), format="json")
    if method == "get":  # a read may simply find nothing
        assert response.status_code < 500, (response.status_code, response.content[:300])
    else:
        assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
        assert response.json()["code"]
    assert Guest.objects.count() == 2 and not GuestMerge.objects.exists()
    assert not Property.objects.exclude(code="LIS").exists()


PAGE_CASES = [
    ("get", "/guests/{HUGE}/", None),
    ("get", "/guests/{HUGE}/edit/", None),
    ("get", "/guests/?q=%00", None),
    ("get", "/guests/arrivals/?property=LIS&date=9999-12-31", None),
    ("get", "/guests/arrivals/?property=%00", None),
    ("get", "/guests/merges/{HUGE}/", None),
    ("post", "/guests/new/", {"family_name": "Sil\x00va"}),
    ("post", "/guests/{guest}/edit/", {"family_name_latin": "Silva", "version": HUGE}),
    ("post", "/guests/{guest}/merge/", {"duplicate": "abc"}),
    ("post", "/guests/{guest}/merge/", {"duplicate": HUGE}),
    ("post", "/guests/{guest}/preferences/", {"preference_type": "x", "note": "\x00"}),
    ("post", "/guests/{guest}/notes/", {"kind": "note", "text": "\x00"}),
    ("post", "/guests/merges/{HUGE}/undo/", None),
    ("post", "/guests/{guest}/preferences/{HUGE}/remove/", None),
    ("post", "/guests/{guest}/notes/{HUGE}/deactivate/", None),
]


@pytest.mark.parametrize(("method", "url", "body"), PAGE_CASES)
def test_bad_page_input_never_a_500(client, chain_admin, ids, method, url, body):
    client.force_login(chain_admin)
    response = getattr(client, method)(_url(url, ids), body or {})
    assert response.status_code < 500, response.content[:300]
    assert Guest.objects.count() == 2 and not GuestMerge.objects.exists()
