"""Daily lists per property (arrivals, in-house, departures): API, page, print view, CSV,
property scope, bad input, and each hotel on its own clock."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from crm_site import roles
from crm_site.timezones import SESSION_KEY, hotel_today
from guests import selectors
from guests.models import AuditEvent, GuestNote, Property, StaffProfile, Stay
from tests.factories import (
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PreferenceTypeFactory,
    PropertyFactory,
    StayFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 10)
Q = {"property": "LIS", "date": DAY.isoformat()}


def _at(utc: str):
    """Patch "now" (no time-machine/freezegun in the environment)."""
    moment = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def day(hotel, other_hotel):
    """At LIS on DAY: a VIP first-timer with a birthday arriving, a returning guest with a
    preference and an alert, a stay without a profile; one guest in house; one leaving.
    ALG has its own arrival (never on LIS's lists)."""
    pillow = PreferenceTypeFactory(code="dl-pillow", label="Feather pillow")
    vip = GuestFactory(
        family_name_latin="Almeida", given_name_latin="Ana", vip_code="V1", birth_date=dt.date(1980, 6, 11)
    )
    back = GuestFactory(family_name_latin="Baptista", given_name_latin="Rui")
    StayFactory(guest=back, property=other_hotel, arrival_date=dt.date(2025, 3, 1), status=Stay.Status.CHECKED_OUT)
    GuestPreferenceFactory(guest=back, preference_type=pillow, note="two")
    GuestNoteFactory(guest=back, kind=GuestNote.Kind.ALERT, text="Nut allergy")
    GuestNoteFactory(guest=back, kind=GuestNote.Kind.NOTE, text="Likes tea")
    arriving = [
        StayFactory(
            guest=vip,
            property=hotel,
            arrival_date=DAY,
            departure_date=DAY + dt.timedelta(days=3),
            status=Stay.Status.RESERVED,
            room_number="501",
            special_requests="ETA 14:30, quiet room",
            confirmation_number="A-1",
        ),
        StayFactory(
            guest=back, property=hotel, arrival_date=DAY, status=Stay.Status.RESERVED, confirmation_number="A-2"
        ),
        StayFactory(
            guest=None, property=hotel, arrival_date=DAY, status=Stay.Status.RESERVED, confirmation_number="A-3"
        ),
    ]
    StayFactory(property=hotel, arrival_date=DAY, status=Stay.Status.CANCELLED, confirmation_number="A-X")
    staying = StayFactory(
        property=hotel,
        arrival_date=DAY - dt.timedelta(days=2),
        departure_date=DAY + dt.timedelta(days=1),
        status=Stay.Status.IN_HOUSE,
        check_in_at=dt.datetime(2026, 6, 8, 13, 5, tzinfo=dt.UTC),
        confirmation_number="H-1",
    )
    leaving = StayFactory(
        property=hotel,
        arrival_date=DAY - dt.timedelta(days=4),
        departure_date=DAY,
        status=Stay.Status.IN_HOUSE,
        confirmation_number="D-1",
    )
    StayFactory(property=other_hotel, arrival_date=DAY, status=Stay.Status.RESERVED, confirmation_number="ALG-1")
    return {"arriving": arriving, "staying": staying, "leaving": leaving, "vip": vip, "back": back}


@pytest.fixture
def desk_api(api, front_desk):
    api.force_authenticate(front_desk)
    return api


# --- The lists -----------------------------------------------------------------------------


def test_arrivals_api_has_what_the_briefing_needs(desk_api, day):
    body = desk_api.get("/api/v1/arrivals/", Q).json()
    assert (body["kind"], body["property"], body["date"], body["count"]) == ("arrivals", "LIS", "2026-06-10", 3)
    rows = {r["stay"]["confirmation_number"]: r for r in body["results"]}
    assert set(rows) == {"A-1", "A-2", "A-3"}  # not cancelled, not the other hotel's
    ana = rows["A-1"]
    assert ana["stay"]["room_number"] == "501"
    assert ana["eta"] == "14:30"
    assert ana["vip"] is True and ana["first_stay"] is True
    assert ana["birthday_during_stay"] == "2026-06-11"
    assert ana["guest"]["display_name"] == "Ana Almeida"
    rui = rows["A-2"]
    assert rui["first_stay"] is False  # stayed at the other hotel before
    assert rui["alerts"] == ["Nut allergy"]  # notes are not alerts
    assert [(p["preference_type"], p["preference_label"], p["note"]) for p in rui["preferences"]] == [
        ("dl-pillow", "Feather pillow", "two")
    ]
    assert rui["birthday_during_stay"] is None and rui["eta"] is None
    assert rows["A-3"]["guest"] is None and rows["A-3"]["first_stay"] is False
    assert body["totals"]["vip"] == 1 and body["totals"]["alerts"] == 1
    assert "room_revenue" not in ana["stay"]


def test_in_house_and_departures(desk_api, day):
    in_house = desk_api.get("/api/v1/in-house/", Q).json()
    assert {r["stay"]["confirmation_number"] for r in in_house["results"]} == {"H-1"}
    assert in_house["results"][0]["stay"]["check_in_at"] == "2026-06-08T13:05:00Z"
    departures = desk_api.get("/api/v1/departures/", Q).json()
    assert {r["stay"]["confirmation_number"] for r in departures["results"]} == {"D-1"}


def test_open_complaint_and_tier_come_as_badges(desk_api, day):
    from complaints.models import Complaint
    from tests.complaints.factories import ComplaintFactory

    ComplaintFactory(guest=day["back"], property=Property.objects.get(code="LIS"), status=Complaint.Status.RECEIVED)
    row = next(
        r
        for r in desk_api.get("/api/v1/arrivals/", Q).json()["results"]
        if r["guest"] and r["guest"]["id"] == day["back"].pk
    )
    assert {"label": "Open complaint", "kind": "danger"} in row["badges"]


def test_birthday_between_handles_year_ends_and_29_february():
    assert selectors.birthday_between(dt.date(1990, 1, 1), dt.date(2026, 12, 30), dt.date(2027, 1, 2)) == dt.date(
        2027, 1, 1
    )
    assert selectors.birthday_between(dt.date(1992, 2, 29), dt.date(2027, 2, 27), dt.date(2027, 3, 1)) == dt.date(
        2027, 2, 28
    )
    assert selectors.birthday_between(dt.date(1992, 5, 5), dt.date(2027, 2, 27), dt.date(2027, 3, 1)) is None
    assert selectors.birthday_between(None, dt.date(2027, 2, 27), dt.date(2027, 3, 1)) is None


def test_page_lists_and_links_print_and_csv(client, front_desk, day):
    client.force_login(front_desk)
    page = client.get("/guests/arrivals/", Q)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ana Almeida" in html and "Nut allergy" in html and "Feather pillow: two" in html
    assert "14:30" in html and "First stay" in html and "Birthday 06-11" in html
    assert "/guests/lists/arrivals/print/?property=LIS&amp;date=2026-06-10" in html
    assert "/guests/lists/arrivals/csv/?property=LIS&amp;date=2026-06-10" in html
    for path, text in (("/guests/in-house/", "H-1"), ("/guests/departures/", "D-1")):
        response = client.get(path, Q)
        assert response.status_code == 200 and text in response.content.decode()


def test_print_view_is_a_sheet_without_the_menu(client, front_desk, day):
    client.force_login(front_desk)
    response = client.get("/guests/lists/arrivals/print/", Q)
    html = response.content.decode()
    assert response.status_code == 200
    assert "crm/print.css" in html and "data-print" in html
    assert 'class="top"' not in html  # no navigation bar
    assert "Ana Almeida" in html and "Nut allergy" in html
    assert '<a href="/guests/' not in html.split("<table", 1)[1]  # names, not links, on paper


def test_csv_has_a_row_per_stay_and_is_audited(client, front_desk, day):
    client.force_login(front_desk)
    response = client.get("/guests/lists/arrivals/csv/", Q)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Room,Guest,VIP code,Confirmation")
    assert len(lines) == 4
    assert any("Ana Almeida" in line and "14:30" in line and "2026-06-11" in line for line in lines)
    event = AuditEvent.objects.get(target="export:daily-list:arrivals")
    assert event.actor_id == front_desk.pk


# --- Scope and bad input ---------------------------------------------------------------------


def test_front_desk_cannot_read_another_hotels_lists(client, desk_api, front_desk, day):
    for path in ("/api/v1/arrivals/", "/api/v1/in-house/", "/api/v1/departures/"):
        response = desk_api.get(path, {"property": "ALG", "date": DAY.isoformat()})
        assert response.status_code == 400
        assert response.json()["errors"]["property"]
    client.force_login(front_desk)
    for path in ("/guests/arrivals/", "/guests/lists/departures/print/", "/guests/lists/in-house/csv/"):
        response = client.get(path, {"property": "ALG", "date": DAY.isoformat()})
        assert response.status_code == 400
        assert b"ALG-1" not in response.content


def test_chain_admin_reads_every_hotel(api, chain_admin, day):
    api.force_authenticate(chain_admin)
    body = api.get("/api/v1/arrivals/", {"property": "alg", "date": DAY.isoformat()}).json()
    assert [r["stay"]["confirmation_number"] for r in body["results"]] == ["ALG-1"]


@pytest.mark.parametrize("date", ["9999-12-31", "1899-12-31", "2101-01-01", "yesterday", "2026-02-30"])
def test_a_date_out_of_range_is_a_400_naming_the_field(client, desk_api, front_desk, hotel, date):
    response = desk_api.get("/api/v1/arrivals/", {"property": "LIS", "date": date})
    assert response.status_code == 400 and "date" in response.json()["errors"]
    client.force_login(front_desk)
    for path in ("/guests/arrivals/", "/guests/lists/arrivals/print/", "/guests/lists/arrivals/csv/"):
        assert client.get(path, {"property": "LIS", "date": date}).status_code == 400


def test_every_invalid_parameter_at_once(desk_api, hotel):
    response = desk_api.get("/api/v1/departures/", {"property": "NOPE", "date": "9999-12-31"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"property", "date"}
    missing = desk_api.get("/api/v1/in-house/")
    assert missing.status_code == 400 and "property" in missing.json()["errors"]


def test_an_unknown_list_kind_is_not_a_route(client, front_desk, hotel):
    client.force_login(front_desk)
    assert client.get("/guests/lists/everyone/print/", Q).status_code == 404


# --- Each hotel on its own clock -------------------------------------------------------------


@pytest.fixture
def zones(db):
    lis = PropertyFactory(code="LIS", name="Lisbon City", timezone="Europe/Lisbon")
    sha = PropertyFactory(code="SHA", name="Shanghai Bund", timezone="Asia/Shanghai", currency="CNY")
    return lis, sha


def test_business_date_at_2330_in_lisbon_and_0730_in_shanghai(zones):
    lis, sha = zones
    # 2026-01-15 23:30 in Lisbon (winter: UTC+0) is 07:30 on the 16th in Shanghai (UTC+8).
    with _at("2026-01-15T23:30:00"):
        assert lis.business_date() == dt.date(2026, 1, 15)
        assert sha.business_date() == dt.date(2026, 1, 16)
    # Summer: 23:30 in Lisbon is 22:30 UTC, 06:30 next day in Shanghai.
    with _at("2026-07-15T22:30:00"):
        assert lis.business_date() == dt.date(2026, 7, 15)
        assert sha.business_date() == dt.date(2026, 7, 16)


@pytest.mark.parametrize(
    ("utc", "lisbon"),
    [
        # Last Sunday of March 2026 (29th): 01:00 UTC clocks go 01:00 → 02:00 in Lisbon.
        ("2026-03-28T23:30:00", dt.date(2026, 3, 28)),  # 23:30 WET
        ("2026-03-29T00:30:00", dt.date(2026, 3, 29)),  # 00:30 WET, before the change
        ("2026-03-29T23:30:00", dt.date(2026, 3, 30)),  # 00:30 WEST the next day
        ("2026-03-29T22:59:00", dt.date(2026, 3, 29)),  # 23:59 WEST
        # Last Sunday of October 2026 (25th): 01:00 UTC clocks go 02:00 → 01:00.
        ("2026-10-24T23:30:00", dt.date(2026, 10, 25)),  # 00:30 WEST, already the 25th
        ("2026-10-25T23:30:00", dt.date(2026, 10, 25)),  # 23:30 WET, still the 25th
        ("2026-10-26T00:00:00", dt.date(2026, 10, 26)),
    ],
)
def test_business_date_across_daylight_saving_changes(zones, utc, lisbon):
    with _at(utc):
        assert zones[0].business_date() == lisbon


def test_lists_default_to_the_hotels_business_date(api, client, zones):
    lis, sha = zones
    StayFactory(
        property=sha, arrival_date=dt.date(2026, 1, 16), status=Stay.Status.RESERVED, confirmation_number="S-16"
    )
    StayFactory(
        property=lis, arrival_date=dt.date(2026, 1, 15), status=Stay.Status.RESERVED, confirmation_number="L-15"
    )
    desk = UserFactory(username="desk.sha", roles=[roles.FRONT_DESK], properties=[sha])
    admin = UserFactory(username="admin", roles=[roles.CHAIN_ADMIN], properties=[])
    api.force_authenticate(admin)
    # 07:30 in Shanghai, 23:30 the day before in Lisbon: each hotel sees its own arrivals.
    with _at("2026-01-15T23:30:00"):
        sha_body = api.get("/api/v1/arrivals/", {"property": "SHA"}).json()
        lis_body = api.get("/api/v1/arrivals/", {"property": "LIS"}).json()
        client.force_login(desk)
        page = client.get("/guests/arrivals/")
    assert (sha_body["date"], [r["stay"]["confirmation_number"] for r in sha_body["results"]]) == (
        "2026-01-16",
        ["S-16"],
    )
    assert (lis_body["date"], [r["stay"]["confirmation_number"] for r in lis_body["results"]]) == (
        "2026-01-15",
        ["L-15"],
    )
    assert sha_body["time_zone"] == "Asia/Shanghai"
    html = page.content.decode()
    assert "S-16" in html and "2026-01-16" in html
    assert "07:30 CST (Asia/Shanghai)" in html  # the hotel's clock with its label


def test_eta_of_a_checked_in_guest_is_the_hotels_time(api, chain_admin, zones):
    _lis, sha = zones
    StayFactory(
        property=sha,
        arrival_date=DAY,
        status=Stay.Status.IN_HOUSE,
        check_in_at=dt.datetime(2026, 6, 10, 6, 15, tzinfo=dt.UTC),
        confirmation_number="S-IN",
    )
    api.force_authenticate(chain_admin)
    row = api.get("/api/v1/arrivals/", {"property": "SHA", "date": DAY.isoformat()}).json()["results"][0]
    assert row["eta"] == "14:15"


def test_care_list_today_is_the_hotels(zones):
    lis, sha = zones
    desk = UserFactory(username="desk.sha", roles=[roles.FRONT_DESK], properties=[sha])
    admin = UserFactory(username="admin", roles=[roles.CHAIN_ADMIN], properties=[])
    with _at("2026-01-15T23:30:00"):
        assert hotel_today(desk) == dt.date(2026, 1, 16)
        assert hotel_today(admin, "LIS") == dt.date(2026, 1, 15)
        assert hotel_today(admin, "sha") == dt.date(2026, 1, 16)
        assert hotel_today(admin) == timezone.localdate()
        assert hotel_today(desk, "LIS") == dt.date(2026, 1, 16)  # not one of theirs: their own hotel's date
        assert hotel_today(desk, "S\x00A" + "x" * 500) == dt.date(2026, 1, 16)  # junk: ignored


def test_care_list_page_defaults_to_the_hotels_day(client, zones):
    _lis, sha = zones
    desk = UserFactory(username="desk.sha", roles=[roles.FRONT_DESK], properties=[sha])
    client.force_login(desk)
    with _at("2026-01-15T23:30:00"):
        response = client.get("/care/")
    assert response.status_code == 200
    assert 'value="2026-01-16"' in response.content.decode()


# --- The user's own zone ---------------------------------------------------------------------


def test_users_zone_is_kept_in_the_session_at_log_in_and_activated(client, zones):
    user = UserFactory(username="sales.sha", roles=[roles.SALES_MANAGER], properties=[])
    StaffProfile.objects.update_or_create(user=user, defaults={"time_zone": "Asia/Shanghai"})
    client.post("/login/", {"username": "sales.sha", "password": "pass12345!"})
    assert client.session[SESSION_KEY] == "Asia/Shanghai"
    seen = {}

    def spy(request):
        seen["zone"] = timezone.get_current_timezone_name()
        from django.http import HttpResponse

        return HttpResponse("ok")

    from crm_site.timezones import UserTimezoneMiddleware

    request = mock.Mock(session={SESSION_KEY: "Asia/Shanghai"}, COOKIES={"crm_tz": "Europe/Lisbon"})
    UserTimezoneMiddleware(spy)(request)
    assert seen["zone"] == "Asia/Shanghai"
    request = mock.Mock(session={}, COOKIES={"crm_tz": "Europe/Lisbon"})
    UserTimezoneMiddleware(spy)(request)
    assert seen["zone"] == "Europe/Lisbon"  # the browser's zone
    request = mock.Mock(session={}, COOKIES={"crm_tz": "Mars/Olympus"})
    UserTimezoneMiddleware(spy)(request)
    assert seen["zone"] == "UTC"  # unknown: the default


def test_a_staff_profile_refuses_an_unknown_zone(front_desk):
    from django.core.exceptions import ValidationError

    profile = StaffProfile.objects.get(user=front_desk)
    profile.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "time_zone" in error.value.message_dict


def test_zone_filters_show_the_hotels_time_and_label(zones):
    from django.template import Context, Template

    lis, sha = zones
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    template = Template('{% load zones %}{{ at|in_zone:hotel|date:"H:i T" }}|{% zone_label hotel %}')
    with _at("2026-07-01T12:00:00"):
        assert template.render(Context({"at": moment, "hotel": sha})) == "20:00 CST|Asia/Shanghai, CST"
        assert template.render(Context({"at": moment, "hotel": lis})) == "13:00 WEST|Europe/Lisbon, WEST"


def test_chinese_interface_has_no_english_labels(client, front_desk, day):
    from django.conf import settings

    client.force_login(front_desk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get("/guests/arrivals/", Q).content.decode()
    for chinese in ("客房", "预计抵达", "首次入住", "生日", "打印视图", "酒店营业日", "当地时间"):
        assert chinese in html, chinese
    for english in ("First stay", "Print view", "business date", "local time", ">Room<", ">Guest<", ">Alerts<"):
        assert english not in html, english
    sheet = client.get("/guests/lists/arrivals/csv/", Q).content.decode("utf-8-sig")
    assert sheet.splitlines()[0].startswith("客房,")


def test_a_complaint_at_a_hotel_shows_its_times_in_the_hotels_zone(client, zones):
    from complaints.models import Complaint
    from tests.complaints.factories import ComplaintFactory

    _lis, sha = zones
    admin = UserFactory(username="admin", roles=[roles.CHAIN_ADMIN], properties=[])
    complaint = ComplaintFactory(property=sha, status=Complaint.Status.RECEIVED)
    Complaint.objects.filter(pk=complaint.pk).update(received_at=dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC))
    client.force_login(admin)
    html = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "2026-01-16 07:30 CST" in html
    assert "Asia/Shanghai, CST" in html
