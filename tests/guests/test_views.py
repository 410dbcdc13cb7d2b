"""Front-desk pages: search (with the htmx partial), the 360 page, profile create/edit
with inline errors and the conflict message, preferences, notes, arrivals."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests import services
from guests.models import Guest, GuestNote, GuestPreference, Stay
from guests.selectors import PROFILE_STAY_LIMIT
from tests.factories import (
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PreferenceTypeFactory,
    StayFactory,
)
from tests.guests.factories import chinese_guest

pytestmark = pytest.mark.django_db

# The 360 page of a guest with any number of stays must stay under this many queries
# (session, user, permissions, the profile reads, an audit insert, other apps' sections).
DETAIL_PAGE_MAX_QUERIES = 40


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


def text_of(response) -> str:
    return response.content.decode()


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} input"
    return match.group(1)


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no {name} input"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# --- Search -------------------------------------------------------------------------------


def test_search_page_renders_results(desk):
    wei = chinese_guest()
    GuestFactory(family_name_latin="Silva", given_name_latin="Ana")
    response = desk.get("/guests/", {"q": "zhang wei"})
    assert response.status_code == 200
    html = text_of(response)
    assert "<html" in html and 'data-testid="search-results"' in html
    assert f'href="/guests/{wei.pk}/"' in html
    assert "Silva" not in html


def test_search_htmx_request_returns_only_the_partial(desk):
    wei = chinese_guest()
    response = desk.get("/guests/", {"q": "zw"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = text_of(response)
    assert "<html" not in html and "<form" not in html
    assert 'data-testid="search-results"' in html and f"/guests/{wei.pk}/" in html
    assert "HX-Request" in response["Vary"]


def test_search_without_match_says_so(desk):
    response = desk.get("/guests/", {"q": "nobody-like-this"}, HTTP_HX_REQUEST="true")
    assert "No guest matches" in text_of(response)


def test_search_page_without_query_shows_no_results(desk):
    GuestFactory()
    response = desk.get("/guests/")
    assert response.status_code == 200
    assert 'data-testid="search-results"' not in text_of(response)


def test_search_shows_only_phone_suffix_not_full_number(desk):
    GuestFactory(family_name_latin="Silva", phone="+351912345678")
    html = text_of(desk.get("/guests/", {"q": "5678"}, HTTP_HX_REQUEST="true"))
    assert "…5678" in html and "912345678" not in html


# --- Guest 360 page -----------------------------------------------------------------------


def _guest_with_stays(hotel, other_hotel, n, family):
    guest = GuestFactory(family_name_latin=family, given_name_latin="Page")
    for i in range(n):
        StayFactory(
            guest=guest,
            property=(hotel, other_hotel)[i % 2],
            arrival_date=dt.date(2023, 1, 1) + dt.timedelta(days=7 * i),
        )
    pillow = PreferenceTypeFactory(code=f"pillow-{family.lower()}", label=f"Pillow {family}")
    GuestPreferenceFactory(guest=guest, preference_type=pillow, source_property=hotel)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text=f"Alert for {family}", property=hotel)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.NOTE, text=f"Note for {family}", property=hotel)
    return guest


def test_detail_page_shows_the_360_view(desk, hotel, other_hotel):
    guest = _guest_with_stays(hotel, other_hotel, 3, "Oliveira")
    response = desk.get(f"/guests/{guest.pk}/")
    assert response.status_code == 200
    html = text_of(response)
    assert "Page Oliveira" in html
    assert "Pillow Oliveira" in html and 'data-testid="preferences"' in html
    assert 'data-testid="alert"' in html and "Alert for Oliveira" in html
    assert "Note for Oliveira" in html
    # The front desk's own hotel's stays only (2 of 3), and no amounts.
    assert html.count("<td>LIS</td>") == 2 and "<td>ALG</td>" not in html
    assert "Net revenue" not in html and "Room / F&amp;B / other" not in html
    assert 'data-testid="stays-scope"' in html


def test_detail_page_shows_every_stay_and_the_spend_to_sales(client, sales_manager, hotel, other_hotel):
    guest = _guest_with_stays(hotel, other_hotel, 3, "Oliveira")
    client.force_login(sales_manager)
    html = text_of(client.get(f"/guests/{guest.pk}/"))
    assert html.count("<td>LIS</td>") + html.count("<td>ALG</td>") == 3
    assert "Net revenue" in html and "600.00 EUR" in html
    assert 'data-testid="stays-scope"' not in html


@pytest.mark.parametrize("viewer", ["front_desk", "chain_admin"])
def test_detail_page_query_count_does_not_grow_with_stays(
    client, request, viewer, hotel, other_hotel, django_assert_num_queries
):
    user = request.getfixturevalue(viewer)
    few = _guest_with_stays(hotel, other_hotel, 3, "Fewstays")
    many = _guest_with_stays(hotel, other_hotel, 60, "Manystays")
    client.force_login(user)
    client.get(f"/guests/{few.pk}/")  # warm per-process caches

    with CaptureQueriesContext(connection) as measured:
        response = client.get(f"/guests/{few.pk}/")
    assert response.status_code == 200
    with django_assert_num_queries(len(measured)):
        response = client.get(f"/guests/{many.pk}/")
    rows = text_of(response).count("<td>LIS</td>") + text_of(response).count("<td>ALG</td>")
    assert rows == min(60, PROFILE_STAY_LIMIT)  # the latest stays; spend covers all of them
    assert len(measured) <= DETAIL_PAGE_MAX_QUERIES, [q["sql"] for q in measured.captured_queries]


def test_detail_of_merged_guest_redirects_to_survivor(desk):
    survivor = GuestFactory()
    merged = GuestFactory(merged_into=survivor)
    response = desk.get(f"/guests/{merged.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/guests/{survivor.pk}/"


def test_detail_of_unknown_guest_is_404(desk):
    assert desk.get("/guests/999999/").status_code == 404


# --- Create -------------------------------------------------------------------------------


def test_create_form_saves_and_redirects(desk):
    response = desk.post(
        "/guests/new/", {"family_name": "张", "given_name": "伟", "email": "zw@mail.example", "phone": "13800138000"}
    )
    guest = Guest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/guests/{guest.pk}/"
    assert (guest.name_key, guest.phone) == ("zhangwei", "+8613800138000")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"family_name_latin": "Silva", "email": "not-an-email"}, "email", "valid e-mail"),
        ({"family_name_latin": "Silva", "phone": "call me"}, "phone", "valid phone"),
        ({"family_name_latin": "Silva", "birth_date": "2099-01-01"}, "birth_date", "in the past"),
        ({"family_name_latin": "Silva", "birth_date": "2999-01-01"}, "birth_date", "between 1900 and 2100"),
        ({"family_name_latin": "Silva", "birth_date": "31.12.80x"}, "birth_date", "valid date"),
        ({"family_name_latin": "Silva", "nationality": "P1"}, "nationality", "ISO list"),
        ({"email": "a@b.example"}, "family_name", "family or given name"),
    ],
)
def test_create_form_shows_inline_errors_and_writes_nothing(desk, data, field, message):
    response = desk.post("/guests/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    html = text_of(response)
    # The message is rendered next to its input, not only at the top of the form.
    assert re.search(rf'name="{field}".*?class="errorlist[^"]*".*?{re.escape(message)}', html, re.S)
    assert not Guest.objects.exists()


# --- Edit and the conflict message --------------------------------------------------------


def test_edit_form_carries_the_version(desk):
    guest = GuestFactory(family_name_latin="Silva")
    html = text_of(desk.get(f"/guests/{guest.pk}/edit/"))
    assert hidden_value(html, "version") == "1"
    assert input_value(html, "family_name_latin") == "Silva"


def test_edit_saves_with_current_version(desk):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana", phone="+351912345678")
    response = desk.post(
        f"/guests/{guest.pk}/edit/",
        {"family_name_latin": "Souza", "given_name_latin": "Ana", "phone": "+351912345678", "version": "1"},
    )
    assert response.status_code == 302
    guest.refresh_from_db()
    assert (guest.family_name_latin, guest.version) == ("Souza", 2)


def test_edit_with_stale_version_keeps_the_agents_input_and_shows_the_differences(desk, guest_relations):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana", notes="")
    # Another agent saves first (through the API or another browser).
    services.guest_update(
        guest_id=guest.pk, expected_version=1, data={"notes": "Prefers Portuguese"}, by=guest_relations
    )
    before = list(Guest.objects.values())

    response = desk.post(
        f"/guests/{guest.pk}/edit/",
        {"family_name_latin": "Stale-Edit", "given_name_latin": "Ana", "notes": "my stale notes", "version": "1"},
    )
    assert response.status_code == 409
    html = text_of(response)
    assert 'data-testid="conflict"' in html
    assert list(Guest.objects.values()) == before
    # What the agent typed is kept; the form now carries the saved version, and the
    # fields that differ from it are listed with both values.
    assert hidden_value(html, "version") == "2"
    assert input_value(html, "family_name_latin") == "Stale-Edit"
    assert "my stale notes" in html
    differing = {d["field"]: d for d in response.context["differences"]}
    # (The test's form leaves out the e-mail and phone: those differ too.)
    assert {"family_name_latin", "notes"} <= set(differing) and "given_name_latin" not in differing
    assert differing["notes"]["saved"] == "Prefers Portuguese"
    assert differing["family_name_latin"]["yours"] == "Stale-Edit"

    # Saving again, having seen the differences, works against the new version.
    response = desk.post(
        f"/guests/{guest.pk}/edit/",
        {"family_name_latin": "Souza", "given_name_latin": "Ana", "notes": "Prefers Portuguese", "version": "2"},
    )
    assert response.status_code == 302
    guest.refresh_from_db()
    assert (guest.family_name_latin, guest.notes, guest.version) == ("Souza", "Prefers Portuguese", 3)


def test_edit_with_bad_input_shows_inline_error(desk):
    guest = GuestFactory(family_name_latin="Silva")
    response = desk.post(f"/guests/{guest.pk}/edit/", {"family_name_latin": "Silva", "email": "x@", "version": "1"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert 'data-testid="conflict"' not in text_of(response)
    guest.refresh_from_db()
    assert guest.version == 1


def test_edit_without_version_shows_a_visible_error(desk):
    guest = GuestFactory(family_name_latin="Silva")
    response = desk.post(f"/guests/{guest.pk}/edit/", {"family_name_latin": "Souza"})
    assert response.status_code == 200
    assert "version you edited is required" in text_of(response)
    guest.refresh_from_db()
    assert (guest.family_name_latin, guest.version) == ("Silva", 1)


def test_edit_of_merged_guest_is_404(desk):
    merged = GuestFactory(merged_into=GuestFactory())
    assert desk.get(f"/guests/{merged.pk}/edit/").status_code == 404


# --- Preferences and notes ----------------------------------------------------------------


def test_preference_add_and_remove(desk, hotel):
    guest = GuestFactory()
    pillow = PreferenceTypeFactory(code="pillow-view-test", label="Feather pillow")
    response = desk.post(
        f"/guests/{guest.pk}/preferences/", {"preference_type": pillow.pk, "note": "two", "source": "guest"}
    )
    assert response.status_code == 302 and response["Location"] == f"/guests/{guest.pk}/"
    preference = GuestPreference.objects.get(guest=guest)
    assert (preference.note, preference.source) == ("two", "guest")
    assert "Feather pillow" in text_of(desk.get(f"/guests/{guest.pk}/"))

    response = desk.post(f"/guests/{guest.pk}/preferences/{preference.pk}/remove/")
    assert response.status_code == 302
    assert not GuestPreference.objects.exists()


def test_preference_add_with_bad_input_records_nothing(desk):
    guest = GuestFactory()
    response = desk.post(
        f"/guests/{guest.pk}/preferences/", {"preference_type": 999999, "source": "staff"}, follow=True
    )
    assert "Preference not recorded" in text_of(response)
    retired = PreferenceTypeFactory(is_active=False)
    desk.post(f"/guests/{guest.pk}/preferences/", {"preference_type": retired.pk, "source": "staff"})
    assert not GuestPreference.objects.exists()


def test_preference_remove_of_someone_elses_preference_changes_nothing(desk):
    guest = GuestFactory()
    theirs = GuestPreferenceFactory()
    response = desk.post(f"/guests/{guest.pk}/preferences/{theirs.pk}/remove/", follow=True)
    assert response.status_code == 200
    assert GuestPreference.objects.filter(pk=theirs.pk).exists()


def test_preference_add_needs_post(desk):
    guest = GuestFactory()
    assert desk.get(f"/guests/{guest.pk}/preferences/").status_code == 405


def test_note_add(desk, front_desk):
    guest = GuestFactory()
    response = desk.post(f"/guests/{guest.pk}/notes/", {"kind": "alert", "text": "Nut allergy"})
    assert response.status_code == 302
    note = GuestNote.objects.get()
    assert (note.kind, note.text, note.created_by) == ("alert", "Nut allergy", front_desk)
    html = text_of(desk.get(f"/guests/{guest.pk}/"))
    assert 'data-testid="alert"' in html and "Nut allergy" in html


@pytest.mark.parametrize("data", [{"kind": "alert", "text": ""}, {"kind": "gossip", "text": "x"}])
def test_note_add_with_bad_input_adds_nothing(desk, data):
    guest = GuestFactory()
    response = desk.post(f"/guests/{guest.pk}/notes/", data, follow=True)
    assert "Note not added" in text_of(response)
    assert not GuestNote.objects.exists()


def test_alert_can_be_cleared(desk):
    note = GuestNoteFactory(kind=GuestNote.Kind.ALERT, text="Old alert")
    desk.post(f"/guests/{note.guest_id}/notes/{note.pk}/deactivate/", {"confirmed": "yes"})
    note.refresh_from_db()
    assert note.is_active is False
    assert "Old alert" not in text_of(desk.get(f"/guests/{note.guest_id}/"))


# --- Arrivals -----------------------------------------------------------------------------


@pytest.fixture
def arrival(hotel, other_hotel):
    day = dt.date(2026, 7, 1)
    wei = chinese_guest()
    GuestPreferenceFactory(guest=wei, preference_type=PreferenceTypeFactory(code="quiet-t", label="Quiet room"))
    GuestNoteFactory(guest=wei, kind=GuestNote.Kind.ALERT, text="Nut allergy")
    StayFactory(guest=wei, property=hotel, arrival_date=day, status=Stay.Status.RESERVED, confirmation_number="LIS-1")
    StayFactory(property=other_hotel, arrival_date=day, status=Stay.Status.RESERVED, confirmation_number="ALG-1")
    return day


def test_arrivals_page_shows_preferences_alerts_and_badges(desk, arrival):
    response = desk.get("/guests/arrivals/", {"property": "LIS", "date": "2026-07-01"})
    assert response.status_code == 200
    html = text_of(response)
    assert 'data-testid="arrivals"' in html
    assert "张伟" in html and "LIS-1" in html and "ALG-1" not in html
    assert '<span class="badge">Quiet room</span>' in html
    assert '<div class="alert">Nut allergy</div>' in html


def test_arrivals_page_defaults_to_home_property_and_today(desk, hotel):
    from django.utils import timezone

    StayFactory(
        property=hotel, arrival_date=timezone.localdate(), status=Stay.Status.RESERVED, confirmation_number="TODAY"
    )
    response = desk.get("/guests/arrivals/")
    assert response.context["property"] == hotel
    assert response.context["day"] == timezone.localdate()
    assert "TODAY" in text_of(response)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"property": "ALG", "date": "2026-07-01"}, "property"),  # not one of the desk's hotels
        ({"property": "NOPE", "date": "2026-07-01"}, "property"),
        ({"property": "LIS", "date": "2026-02-30"}, "date"),
        ({"property": "LIS", "date": "soon"}, "date"),
        ({"property": "LIS", "date": "9999-12-31"}, "date"),  # the page links the next day
        ({"property": "LIS", "date": "0001-01-01"}, "date"),
        ({"property": "LIS", "date": "2026-07-01\x00"}, "date"),
    ],
)
def test_arrivals_page_bad_parameters_show_form_errors(desk, arrival, params, field):
    response = desk.get("/guests/arrivals/", params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["rows"] == []
    assert "ALG-1" not in text_of(response)


# --- Other apps' badges on the pages ------------------------------------------------------

GOLD = '<span class="badge tier">Gold</span>'


def test_badges_on_search_results_arrivals_and_360_page(desk, hotel, gold_badge_section):
    wei = chinese_guest()
    other = chinese_guest(family_name_latin="Zhang", given_name_latin="Min", given_name="敏")
    StayFactory(guest=wei, property=hotel, arrival_date=dt.date(2026, 8, 1), status=Stay.Status.RESERVED)
    StayFactory(guest=other, property=hotel, arrival_date=dt.date(2026, 8, 1), status=Stay.Status.RESERVED)

    results = text_of(desk.get("/guests/", {"q": "zhang"}, HTTP_HX_REQUEST="true"))
    assert results.count(GOLD) == 2
    assert sorted(gold_badge_section[-1]) == sorted([wei.pk, other.pk])  # one call for the whole page

    arrivals = text_of(desk.get("/guests/arrivals/", {"property": "LIS", "date": "2026-08-01"}))
    assert arrivals.count(GOLD) == 2
    assert sorted(gold_badge_section[-1]) == sorted([wei.pk, other.pk])

    assert GOLD in text_of(desk.get(f"/guests/{wei.pk}/"))
