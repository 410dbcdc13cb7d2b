"""The front desk, right the first time: no duplicate made at create (page and API), every
invalid field at once, ISO pickers, the 360 page's confirmations (replacing a
preference's note, clearing an alert), the stay history's pages and filters, error
pages and labels in the user's language."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guests import iso
from guests.models import Guest, GuestNote, GuestPreference
from tests.factories import (
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PreferenceTypeFactory,
    StayFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.fixture
def desk_zh(desk):
    desk.cookies["django_language"] = "zh-hans"
    return desk


def html_of(response) -> str:
    return response.content.decode()


# --- No duplicate made: the API ----------------------------------------------------------


def test_api_create_with_an_existing_email_answers_409_with_the_candidates(api, front_desk):
    existing = GuestFactory(family_name_latin="Bianchi", given_name_latin="Lucia", email="lucia@example.com")
    response = api.as_user(front_desk).post(
        "/api/v1/guests/", {"family_name_latin": "Bianchi", "given_name_latin": "L.", "email": "LUCIA@example.com"}
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "possible_duplicate"
    assert "confirm_new" in body["errors"]
    assert [c["id"] for c in body["candidates"]] == [existing.pk]
    assert body["candidates"][0]["reasons"] == ["same_email"]
    assert Guest.objects.count() == 1

    confirmed = api.as_user(front_desk).post(
        "/api/v1/guests/",
        {"family_name_latin": "Bianchi", "given_name_latin": "L.", "email": "lucia@example.com", "confirm_new": True},
    )
    assert confirmed.status_code == 201, confirmed.content
    assert Guest.objects.count() == 2


@pytest.mark.parametrize(
    ("existing", "payload", "reason"),
    [
        ({"phone": "+351912345678"}, {"phone": "+351 912 345 678"}, "same_phone"),
        (
            {"family_name_latin": "Schneider", "given_name_latin": "Jonas", "birth_date": dt.date(1980, 5, 1)},
            {"family_name_latin": "Schneider", "given_name_latin": "Jonas", "birth_date": "1980-05-01"},
            "similar_name_same_birth_date",
        ),
    ],
)
def test_api_duplicate_reasons(api, front_desk, existing, payload, reason):
    GuestFactory(**existing)
    response = api.as_user(front_desk).post("/api/v1/guests/", {"family_name_latin": "Anyone", **payload})
    assert response.status_code == 409, response.content
    assert reason in response.json()["candidates"][0]["reasons"]


def test_api_same_document_number_is_a_duplicate(api, front_desk):
    first = api.as_user(front_desk).post("/api/v1/guests/", {"family_name_latin": "Ito", "document_number": "X123"})
    assert first.status_code == 201
    second = api.as_user(front_desk).post("/api/v1/guests/", {"family_name_latin": "Sato", "document_number": "X123"})
    assert second.status_code == 409
    assert second.json()["candidates"][0]["reasons"] == ["same_document"]


def test_merged_profiles_are_not_candidates_and_merging_them_again_is_a_4xx(api, chain_admin):
    survivor = GuestFactory(email="one@example.com")
    merged = GuestFactory(email="two@example.com", merged_into=survivor)
    response = api.as_user(chain_admin).post("/api/v1/guests/", {"family_name_latin": "X", "email": "two@example.com"})
    assert response.status_code == 201  # the merged-away profile is no candidate
    again = api.as_user(chain_admin).post(f"/api/v1/guests/{survivor.pk}/merge/", {"duplicate": merged.pk})
    assert 400 <= again.status_code < 500
    assert again.json()["errors"]


def test_api_reports_every_invalid_field_at_once(api, front_desk):
    response = api.as_user(front_desk).post(
        "/api/v1/guests/",
        {
            "family_name_latin": "Silva",
            "email": "not-an-email",
            "phone": "call me",
            "nationality": "Klingon Empire",
            "language": "klingon",
            "id_type": "library card",
            "anniversary_date": "2101-01-01",
            "confirm_new": "perhaps",
        },
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"email", "phone", "nationality", "language", "id_type", "anniversary_date", "confirm_new"} <= set(errors)
    assert not Guest.objects.exists()


def test_api_profile_fields_are_all_checked_together(api, front_desk):
    response = api.as_user(front_desk).post(
        "/api/v1/guests/",
        {"family_name_latin": "Silva", "email": "x@", "nationality": "GER", "language": "klingon", "id_type": "?"},
    )
    assert response.status_code == 400
    assert {"email", "nationality", "language", "id_type"} <= set(response.json()["errors"])


@pytest.mark.parametrize(
    ("given", "stored"), [("Germany", "DEU"), ("de", "DEU"), ("DEU", "DEU"), ("德国", "DEU"), ("portugal", "PRT")]
)
def test_nationality_is_stored_as_the_iso_code(api, front_desk, given, stored):
    response = api.as_user(front_desk).post("/api/v1/guests/", {"family_name_latin": "Weber", "nationality": given})
    assert response.status_code == 201, response.content
    assert response.json()["nationality"] == stored


@pytest.mark.parametrize(("given", "stored"), [("German", "de"), ("de", "de"), ("zh_CN", "zh-hans"), ("德语", "de")])
def test_language_is_stored_as_its_code(api, front_desk, given, stored):
    response = api.as_user(front_desk).post("/api/v1/guests/", {"family_name_latin": "Weber", "language": given})
    assert response.status_code == 201, response.content
    assert response.json()["language"] == stored


def test_address_id_type_and_anniversary_are_kept(api, front_desk):
    response = api.as_user(front_desk).post(
        "/api/v1/guests/",
        {
            "family_name_latin": "Weber",
            "address": "Rua Augusta 1\n1100-048 Lisboa",
            "id_type": "passport",
            "anniversary_date": "2010-06-12",
        },
    )
    assert response.status_code == 201, response.content
    guest = Guest.objects.get()
    assert (guest.id_type, guest.anniversary_date, guest.address.splitlines()[0]) == (
        "passport",
        dt.date(2010, 6, 12),
        "Rua Augusta 1",
    )


# --- No duplicate made: the page ---------------------------------------------------------


def test_new_profile_page_shows_the_duplicate_first_and_creates_only_when_confirmed(desk):
    existing = GuestFactory(family_name_latin="Moreau", given_name_latin="Claire", email="claire@example.com")
    data = {"family_name_latin": "Moreau", "given_name_latin": "C.", "email": "claire@example.com"}
    response = desk.post("/guests/new/", data)
    assert response.status_code == 200
    html = html_of(response)
    assert 'data-testid="duplicates"' in html
    assert f'href="/guests/{existing.pk}/"' in html
    assert 'data-testid="confirm-new"' in html
    assert Guest.objects.count() == 1
    # What the agent typed is still in the form.
    assert 'value="claire@example.com"' in html

    response = desk.post("/guests/new/", {**data, "confirm_new": "true"})
    assert response.status_code == 302
    assert Guest.objects.count() == 2


def test_new_profile_page_reports_every_invalid_field_at_once(desk):
    response = desk.post(
        "/guests/new/",
        {"family_name_latin": "Silva", "email": "x@", "phone": "call me", "nationality": "XX", "language": "klingon"},
    )
    assert response.status_code == 200
    assert {"email", "phone", "nationality", "language"} <= set(response.context["form"].errors)
    assert not Guest.objects.exists()


def test_iso_pickers_name_countries_and_languages_in_the_users_language(desk_zh):
    html = html_of(desk_zh.get("/guests/new/"))
    assert '<option value="DEU">德国</option>' in html
    assert '<option value="de">德语</option>' in html
    assert "Germany" not in html
    with translation.override("en"):
        assert ("DEU", "Germany") in iso.country_choices()
    assert len(iso.country_choices()) == 249


# --- The 360 page at work ----------------------------------------------------------------


def test_re_adding_a_preference_asks_before_replacing_its_note(desk):
    guest = GuestFactory()
    pillow = PreferenceTypeFactory(code="pillow-desk", label="Feather pillow")
    GuestPreferenceFactory(guest=guest, preference_type=pillow, note="Two pillows")
    data = {"preference_type": pillow.pk, "note": "One pillow", "source": "staff"}

    response = desk.post(f"/guests/{guest.pk}/preferences/", data)
    assert response.status_code == 409
    html = html_of(response)
    assert 'data-testid="preference-replace"' in html and "Two pillows" in html and "One pillow" in html
    assert GuestPreference.objects.get().note == "Two pillows"

    response = desk.post(f"/guests/{guest.pk}/preferences/", {**data, "replace": "yes"})
    assert response.status_code == 302
    assert GuestPreference.objects.get().note == "One pillow"


def test_clearing_an_alert_needs_a_confirmation(desk):
    alert = GuestNoteFactory(kind=GuestNote.Kind.ALERT, text="Severe nut allergy")
    url = f"/guests/{alert.guest_id}/notes/{alert.pk}/deactivate/"

    response = desk.post(url)  # one click: only the question
    assert response.status_code == 302 and response["Location"] == url
    alert.refresh_from_db()
    assert alert.is_active

    question = html_of(desk.get(url))
    assert 'data-testid="note-to-clear"' in question and "Severe nut allergy" in question

    desk.post(url, {"confirmed": "yes"})
    alert.refresh_from_db()
    assert not alert.is_active


def test_alerts_are_a_banner_apart_from_notes(desk):
    alert = GuestNoteFactory(kind=GuestNote.Kind.ALERT, text="Severe nut allergy")
    html = html_of(desk.get(f"/guests/{alert.guest_id}/"))
    assert 'data-testid="alerts"' in html
    assert "No notes." not in html
    assert 'data-testid="clear-alert"' in html


def test_stay_history_pages_and_filters(desk, hotel):
    guest = GuestFactory()
    for i in range(45):
        StayFactory(
            guest=guest,
            property=hotel,
            arrival_date=dt.date(2020, 1, 1) + dt.timedelta(days=40 * i),
            status="checked_out" if i % 5 else "cancelled",
        )
    page = html_of(desk.get(f"/guests/{guest.pk}/"))
    assert 'data-testid="stays-older"' in page

    third = desk.get(f"/guests/{guest.pk}/stays/", {"page": 3}, HTTP_HX_REQUEST="true")
    assert third.status_code == 200
    assert len(third.context["history"].stays) == 5
    assert "<html" not in html_of(third)  # the htmx partial

    cancelled = desk.get(f"/guests/{guest.pk}/stays/", {"status": "cancelled"})
    assert cancelled.context["history"].total == 9
    in_2021 = desk.get(f"/guests/{guest.pk}/stays/", {"year": "2021", "property": hotel.code})
    assert {s.arrival_date.year for s in in_2021.context["history"].stays} == {2021}
    assert {s.property_id for s in in_2021.context["history"].stays} == {hotel.pk}


@pytest.mark.parametrize("params", [{"year": "99999"}, {"status": "lost"}, {"property": "NOPE"}, {"page": "x"}])
def test_stay_history_bad_filters_are_400(desk, params):
    guest = GuestFactory()
    response = desk.get(f"/guests/{guest.pk}/stays/", params)
    assert response.status_code == 400


def test_stay_history_query_count_does_not_grow_with_history(desk, hotel):
    guest = GuestFactory()
    StayFactory(guest=guest, property=hotel)
    url = f"/guests/{guest.pk}/stays/"
    desk.get(url)
    with CaptureQueriesContext(connection) as few:
        desk.get(url)
    for i in range(60):
        StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2015, 1, 1) + dt.timedelta(days=30 * i))
    with CaptureQueriesContext(connection) as many:
        desk.get(url, {"page": 2})
    assert len(many) == len(few)


# --- Finished in both languages ------------------------------------------------------------


def test_403_and_404_are_styled_pages_in_chinese_with_the_menu(desk_zh):
    missing = desk_zh.get("/guests/999999999/")
    assert missing.status_code == 404
    html = html_of(missing)
    assert "页面不存在" in html
    assert 'class="top"' in html and "crm/favicon.svg" in html
    assert "Page not found" not in html

    forbidden = desk_zh.get("/guests/audit/")
    assert forbidden.status_code == 403
    html = html_of(forbidden)
    assert 'class="top"' in html and "Not allowed" not in html


def test_labels_per_language(desk_zh, hotel):
    from loyalty.models import Reward

    pillow = PreferenceTypeFactory(code="pillow-zh", label="Feather pillow", label_zh="羽绒枕")
    reward = Reward(code="tea", name="Afternoon tea", name_zh="下午茶", points_cost=100)
    hotel.name_zh = "里斯本城市酒店"
    with translation.override("zh-hans"):
        assert (pillow.display_label, reward.label, hotel.label) == ("羽绒枕", "下午茶", "里斯本城市酒店")
    with translation.override("en"):
        assert (pillow.display_label, reward.label, hotel.label) == ("Feather pillow", "Afternoon tea", hotel.name)
    # An empty Chinese label falls back to the English one.
    with translation.override("zh-hans"):
        assert PreferenceTypeFactory(code="p2", label="Quiet", label_zh="").display_label == "Quiet"

    guest = GuestFactory()
    GuestPreferenceFactory(guest=guest, preference_type=pillow)
    html = html_of(desk_zh.get(f"/guests/{guest.pk}/"))
    assert "羽绒枕" in html and "Feather pillow" not in html


def test_received_is_a_state_not_a_date_in_chinese():
    from complaints.models import ComplaintStatus

    with translation.override("zh-hans"):
        assert str(ComplaintStatus.RECEIVED.label) != "收到日期"
        assert re.search(r"[\u4e00-\u9fff]", str(ComplaintStatus.RECEIVED.label))
