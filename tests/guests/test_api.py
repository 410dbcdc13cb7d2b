"""The guests REST API: the 360 view, optimistic locking, stays upsert, arrivals,
idempotency, and every bad input answered with a 4xx naming the field."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm_site.models import IdempotencyRecord
from guests.models import Guest, GuestNote, GuestPreference, Property, Stay
from guests.selectors import PROFILE_STAY_LIMIT
from guests.signals import stays_upserted
from tests.factories import GuestFactory, GuestNoteFactory, GuestPreferenceFactory, PreferenceTypeFactory, StayFactory
from tests.guests.factories import chinese_guest, stay_row

pytestmark = pytest.mark.django_db

# The 360 view of a guest with any number of stays must stay under this many queries
# (guests' own reads plus one or two per section other apps register).
PROFILE_MAX_QUERIES = 30


def snapshot(*models):
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


def assert_names_field(response, field, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["errors"][field] and all(isinstance(m, str) and m for m in body["errors"][field]), body


# --- Guest 360 in one call ----------------------------------------------------------------


def _guest_with_history(hotel, other_hotel, *, stays, preferences, alerts):
    guest = GuestFactory()
    for i in range(stays):
        StayFactory(
            guest=guest,
            property=hotel if i % 2 else other_hotel,
            arrival_date=dt.date(2024, 1, 1) + dt.timedelta(days=5 * i),
        )
    for i in range(preferences):
        GuestPreferenceFactory(guest=guest, preference_type=PreferenceTypeFactory(code=f"p-{i}"), source_property=hotel)
    for i in range(alerts):
        GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text=f"alert {i}", property=hotel)
        GuestNoteFactory(guest=guest, kind=GuestNote.Kind.NOTE, text=f"note {i}", property=hotel)
    return guest


def test_profile_returns_the_whole_360_view(api, sales_manager, hotel, other_hotel):
    guest = _guest_with_history(hotel, other_hotel, stays=3, preferences=2, alerts=1)
    StayFactory(guest=guest, property=hotel, status=Stay.Status.CANCELLED, room_revenue=Decimal("999"))
    response = api.as_user(sales_manager).get(f"/api/v1/guests/{guest.pk}/profile/")
    assert response.status_code == 200
    body = response.json()
    assert body["guest"]["id"] == guest.pk
    assert len(body["stays"]) == 4
    assert {p["preference_type"] for p in body["preferences"]} == {"p-0", "p-1"}
    assert [a["text"] for a in body["alerts"]] == ["alert 0"]
    assert [n["text"] for n in body["notes"]] == ["note 0"]
    assert body["spend"]["stays"] == 3  # checked-out stays only
    assert Decimal(str(body["spend"]["total"])) == Decimal("600.00")
    assert isinstance(body["badges"], list) and isinstance(body["sections"], dict)
    assert body["all_properties"] is True


def test_the_front_desk_profile_holds_its_hotels_stays_and_no_amounts(api, front_desk, hotel, other_hotel):
    guest = _guest_with_history(hotel, other_hotel, stays=3, preferences=2, alerts=1)
    body = api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/profile/").json()
    assert {s["property"] for s in body["stays"]} == {"LIS"} and body["stays_total"] == len(body["stays"]) == 1
    assert body["spend"] == {"stays": 1, "nights": 2}  # absent, not zeroed
    assert not {"room_revenue", "total_revenue"} & {k for s in body["stays"] for k in s}
    assert body["all_properties"] is False


@pytest.mark.parametrize(("viewer", "share"), [("front_desk", 2), ("sales_manager", 1)])
def test_profile_query_count_does_not_grow_with_stays(
    api, request, viewer, share, hotel, other_hotel, django_assert_num_queries
):
    """``share``: the front desk sees its own hotel's half of the stays."""
    few = _guest_with_history(hotel, other_hotel, stays=4, preferences=1, alerts=1)
    many = _guest_with_history(hotel, other_hotel, stays=60, preferences=6, alerts=5)
    client = api.as_user(request.getfixturevalue(viewer))
    client.get(f"/api/v1/guests/{few.pk}/profile/")  # warm per-process caches (content types, perms)

    with CaptureQueriesContext(connection) as measured:
        response = client.get(f"/api/v1/guests/{few.pk}/profile/")
    assert response.status_code == 200 and len(response.json()["stays"]) == 4 // share
    with django_assert_num_queries(len(measured)):
        response = client.get(f"/api/v1/guests/{many.pk}/profile/")
    # The 360 view lists the latest stays (at most PROFILE_STAY_LIMIT); spend covers all.
    assert len(response.json()["stays"]) == min(60 // share, PROFILE_STAY_LIMIT)
    assert response.json()["spend"]["stays"] == 60 // share
    assert len(measured) <= PROFILE_MAX_QUERIES, [q["sql"] for q in measured.captured_queries]


def test_profile_of_unknown_or_merged_guest_is_404(api, front_desk):
    merged = GuestFactory(merged_into=GuestFactory())
    client = api.as_user(front_desk)
    assert client.get(f"/api/v1/guests/{merged.pk}/profile/").status_code == 404
    assert client.get("/api/v1/guests/999999/profile/").status_code == 404


def test_guest_list_hides_merged_guests(api, front_desk):
    survivor = GuestFactory()
    GuestFactory(merged_into=survivor)
    response = api.as_user(front_desk).get("/api/v1/guests/")
    assert [g["id"] for g in response.json()["results"]] == [survivor.pk]


# --- Create and optimistic locking --------------------------------------------------------


def test_create_guest(api, front_desk):
    response = api.as_user(front_desk).post(
        "/api/v1/guests/",
        {
            "family_name": "张",
            "given_name": "伟",
            "email": "ZW@Mail.Example",
            "phone": "+86 138 0013 8000",
            "document_number": "E123",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1 and body["email"] == "zw@mail.example" and body["phone"] == "+8613800138000"
    assert "document_number" not in body and "document_hash" not in body
    assert Guest.objects.get(pk=body["id"]).name_initials == "zw"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_with_current_version_bumps_it(api, front_desk, method):
    guest = GuestFactory(family_name_latin="Silva")
    response = getattr(api.as_user(front_desk), method)(
        f"/api/v1/guests/{guest.pk}/", {"family_name_latin": "Souza", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    guest.refresh_from_db()
    assert (guest.family_name_latin, guest.version) == ("Souza", 2)


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_with_stale_version_is_409_and_writes_nothing(api, front_desk, guest_relations, method):
    guest = GuestFactory(family_name_latin="Silva", notes="")
    first = api.as_user(guest_relations).patch(f"/api/v1/guests/{guest.pk}/", {"notes": "VIP", "version": 1})
    assert first.status_code == 200
    before = snapshot(Guest)
    response = getattr(api.as_user(front_desk), method)(
        f"/api/v1/guests/{guest.pk}/", {"family_name_latin": "Overwritten", "notes": "", "version": 1}
    )
    assert_names_field(response, "version", status=409)
    assert snapshot(Guest) == before
    guest.refresh_from_db()
    assert guest.notes == "VIP" and guest.family_name_latin == "Silva" and guest.version == 2


def test_update_without_version_is_400(api, front_desk):
    guest = GuestFactory()
    before = snapshot(Guest)
    response = api.as_user(front_desk).patch(f"/api/v1/guests/{guest.pk}/", {"notes": "x"})
    assert_names_field(response, "version")
    assert snapshot(Guest) == before


def test_update_of_merged_guest_is_404(api, front_desk):
    merged = GuestFactory(merged_into=GuestFactory())
    response = api.as_user(front_desk).patch(f"/api/v1/guests/{merged.pk}/", {"notes": "x", "version": 1})
    assert response.status_code == 404


# --- Bad input on guests ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"family_name": "Silva", "email": "not-an-email"}, "email"),
        ({"family_name": "Silva", "phone": "call me"}, "phone"),
        ({"family_name": "Silva", "phone": "123"}, "phone"),
        ({"family_name": "Silva", "birth_date": "31/12/1980"}, "birth_date"),
        ({"family_name": "Silva", "birth_date": "2999-01-01"}, "birth_date"),
        ({"family_name": "Silva", "gender": "Q"}, "gender"),
        ({"family_name": "Silva", "nationality": "GER"}, "nationality"),
        ({"family_name": "Silva", "nationality": "Klingon Empire"}, "nationality"),
        ({"family_name": "Silva", "language": "klingon"}, "language"),
        ({"family_name": "Silva", "id_type": "library card"}, "id_type"),
        ({"family_name": "Silva", "anniversary_date": "2101-01-01"}, "anniversary_date"),
        ({"family_name": "Silva", "company": 999999}, "company"),
        ({"family_name": "Silva", "marketing_email_consent": "perhaps"}, "marketing_email_consent"),
        ({"family_name": ""}, "family_name"),
        ({"given_name": "X" * 101}, "given_name"),
    ],
)
def test_create_guest_bad_input_is_400_naming_the_field(api, front_desk, payload, field):
    response = api.as_user(front_desk).post("/api/v1/guests/", payload)
    assert_names_field(response, field)
    assert not Guest.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "x@", "version": 1}, "email"),
        ({"phone": "no", "version": 1}, "phone"),
        ({"birth_date": "2999-01-01", "version": 1}, "birth_date"),
        ({"family_name_latin": "", "given_name_latin": "", "version": 1}, "family_name"),
        ({"notes": "x", "version": "one"}, "version"),
    ],
)
def test_update_guest_bad_input_is_400_and_writes_nothing(api, front_desk, payload, field):
    guest = GuestFactory(family_name="", given_name="", family_name_latin="Silva", given_name_latin="Ana")
    before = snapshot(Guest)
    response = api.as_user(front_desk).patch(f"/api/v1/guests/{guest.pk}/", payload)
    assert_names_field(response, field)
    assert snapshot(Guest) == before


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{not json"])
def test_malformed_bodies_are_400_not_500(api, front_desk, body):
    response = api.as_user(front_desk).generic("POST", "/api/v1/guests/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Guest.objects.exists()


# --- Idempotency-Key ----------------------------------------------------------------------


def test_idempotency_key_replay_returns_the_same_response(api, integrator):
    client = api.as_user(integrator)
    payload = {"family_name_latin": "Silva", "given_name_latin": "Ana"}
    first = client.post("/api/v1/guests/", payload, HTTP_IDEMPOTENCY_KEY="create-ana-1")
    again = client.post("/api/v1/guests/", payload, HTTP_IDEMPOTENCY_KEY="create-ana-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Guest.objects.count() == 1


def test_idempotency_key_with_different_body_is_409(api, integrator):
    client = api.as_user(integrator)
    client.post("/api/v1/guests/", {"family_name_latin": "Silva"}, HTTP_IDEMPOTENCY_KEY="k-1")
    before = snapshot(Guest, IdempotencyRecord)
    response = client.post("/api/v1/guests/", {"family_name_latin": "Santos"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert_names_field(response, "Idempotency-Key", status=409)
    assert snapshot(Guest, IdempotencyRecord) == before


def test_failed_request_does_not_burn_the_idempotency_key(api, integrator):
    client = api.as_user(integrator)
    bad = client.post("/api/v1/guests/", {"family_name_latin": "Silva", "email": "x"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = client.post("/api/v1/guests/", {"family_name_latin": "Silva"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert good.status_code == 201


def test_idempotency_keys_are_per_user(api, integrator, front_desk):
    payload = {"family_name_latin": "Silva"}
    api.as_user(integrator).post("/api/v1/guests/", payload, HTTP_IDEMPOTENCY_KEY="shared")
    response = api.as_user(front_desk).post("/api/v1/guests/", payload, HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert Guest.objects.count() == 2


def test_overlong_idempotency_key_is_400(api, integrator):
    response = api.as_user(integrator).post(
        "/api/v1/guests/", {"family_name_latin": "Silva"}, HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert_names_field(response, "Idempotency-Key")
    assert not Guest.objects.exists()


def test_idempotency_key_on_stay_bulk(api, integrator, hotel):
    client = api.as_user(integrator)
    rows = [stay_row(confirmation_number="IK1"), stay_row(confirmation_number="IK2")]
    first = client.post("/api/v1/stays/bulk/", {"stays": rows}, HTTP_IDEMPOTENCY_KEY="batch-7")
    again = client.post("/api/v1/stays/bulk/", {"stays": rows}, HTTP_IDEMPOTENCY_KEY="batch-7")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert (first.json()["upserted"], first.json()["created"]) == (2, 2)
    changed = client.post("/api/v1/stays/bulk/", {"stays": rows[:1]}, HTTP_IDEMPOTENCY_KEY="batch-7")
    assert changed.status_code == 409
    assert Stay.objects.count() == 2


# --- Stays: single upsert -----------------------------------------------------------------


def test_single_stay_post_upserts_by_confirmation_number(api, integrator, hotel):
    guest = GuestFactory()
    client = api.as_user(integrator)
    row = stay_row(confirmation_number="C-1", guest=guest.pk)
    first = client.post("/api/v1/stays/", row)
    again = client.post("/api/v1/stays/", row)
    assert first.status_code == 201, first.content
    assert again.status_code == 200  # it existed: nothing created
    assert again.json() == first.json()  # nor changed (not even updated_at)
    assert Stay.objects.count() == 1
    changed = client.post("/api/v1/stays/", {**row, "room_number": "808", "status": "in_house"})
    assert changed.status_code == 200
    assert changed.json()["id"] == first.json()["id"]
    stay = Stay.objects.get()
    assert (stay.room_number, stay.status, stay.nights) == ("808", "in_house", 3)


def test_same_confirmation_number_at_two_properties_is_two_stays(api, integrator, hotel, other_hotel):
    client = api.as_user(integrator)
    client.post("/api/v1/stays/", stay_row(property="LIS", confirmation_number="SAME"))
    client.post("/api/v1/stays/", stay_row(property="ALG", confirmation_number="SAME"))
    assert Stay.objects.filter(confirmation_number="SAME").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"property": "NOPE"}, "property"),
        ({"departure_date": "2026-03-09"}, "departure_date"),
        ({"arrival_date": "2026-02-30"}, "arrival_date"),
        ({"status": "checked_in"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"adults": -1}, "adults"),
        ({"children": "many"}, "children"),
        ({"guest": 999999}, "guest"),
        ({"room_revenue": "lots"}, "room_revenue"),
        ({"currency": "XYZ"}, "currency"),
        ({"confirmation_number": ""}, "confirmation_number"),
        ({"check_in_at": "yesterday"}, "check_in_at"),
    ],
)
def test_stay_bad_input_is_400_naming_the_field(api, integrator, hotel, overrides, field):
    existing = StayFactory(property=hotel, confirmation_number="KEEP")
    before = snapshot(Stay)
    response = api.as_user(integrator).post("/api/v1/stays/", stay_row(**overrides))
    assert_names_field(response, field)
    assert snapshot(Stay) == before
    # An update of an existing stay (same key) is refused the same way.
    update = stay_row(**{"confirmation_number": existing.confirmation_number, **overrides})
    assert_names_field(api.as_user(integrator).post("/api/v1/stays/", update), field)
    assert snapshot(Stay) == before


def test_stay_with_merged_guest_is_refused(api, integrator, hotel):
    merged = GuestFactory(merged_into=GuestFactory())
    response = api.as_user(integrator).post("/api/v1/stays/", stay_row(guest=merged.pk))
    assert_names_field(response, "guest")
    assert not Stay.objects.exists()


def test_stay_patch_cannot_move_the_key(api, integrator, hotel, other_hotel):
    stay = StayFactory(property=hotel, confirmation_number="K1")
    response = api.as_user(integrator).patch(f"/api/v1/stays/{stay.pk}/", {"property": "ALG"})
    assert_names_field(response, "property")
    response = api.as_user(integrator).patch(f"/api/v1/stays/{stay.pk}/", {"departure_date": "2025-01-01"})
    assert_names_field(response, "departure_date")
    stay.refresh_from_db()
    assert stay.property == hotel and stay.departure_date == dt.date(2026, 1, 12)


# --- Stays: bulk upsert -------------------------------------------------------------------


def test_bulk_upsert_of_500_rows(api, integrator, hotel, other_hotel):
    guests = GuestFactory.create_batch(3)
    rows = [
        stay_row(property=("LIS", "ALG")[i % 2], confirmation_number=f"BULK{i:04d}", guest=guests[i % 3].pk)
        for i in range(500)
    ]
    client = api.as_user(integrator)
    response = client.post("/api/v1/stays/bulk/", {"stays": rows})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["upserted"], body["created"], body["updated"], body["unchanged"], body["rejected"]) == (
        500,
        500,
        0,
        0,
        0,
    )
    ids = dict(Stay.objects.values_list("confirmation_number", "pk"))
    assert [(r["row"], r["status"], r["id"]) for r in body["rows"]] == [
        (i, "created", ids[f"BULK{i:04d}"]) for i in range(500)
    ]
    before = list(Stay.objects.order_by("pk").values())

    again = client.post("/api/v1/stays/bulk/", rows).json()  # a bare list works too
    assert (again["upserted"], again["unchanged"]) == (500, 500)
    assert {r["status"] for r in again["rows"]} == {"unchanged"}
    assert [r["id"] for r in again["rows"]] == [r["id"] for r in body["rows"]]
    assert list(Stay.objects.order_by("pk").values()) == before  # not even updated_at moved

    rows[7]["room_revenue"] = "1000.00"
    changed = client.post("/api/v1/stays/bulk/", {"stays": rows}).json()
    assert (changed["updated"], changed["unchanged"]) == (1, 499)
    assert changed["rows"][7] == {"row": 7, "status": "updated", "id": ids["BULK0007"]}
    stay = Stay.objects.get(confirmation_number="BULK0007")
    assert stay.total_revenue == Decimal("1045.50")
    assert Stay.objects.count() == 500


def test_bulk_sends_stays_upserted_after_commit(api, integrator, hotel, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, stay_ids, **kwargs):
        received.append(sorted(stay_ids))

    stays_upserted.connect(receiver, dispatch_uid="test-api-bulk-signal")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.as_user(integrator).post(
                "/api/v1/stays/bulk/",
                {"stays": [stay_row(confirmation_number="S1"), stay_row(confirmation_number="S2")]},
            )
            assert received == []
    finally:
        stays_upserted.disconnect(dispatch_uid="test-api-bulk-signal")
    assert response.status_code == 200
    assert received == [sorted(Stay.objects.values_list("pk", flat=True))]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"adults": -1}, "adults"),
        ({"property": "NOPE"}, "property"),
        ({"status": "gone"}, "status"),
        ({"departure_date": "2026-03-01"}, "departure_date"),
        ({"currency": "XYZ"}, "currency"),
        ({"guest": 999999}, "guest"),
        ({"guest": "abc"}, "guest"),
        ({"room_revenue": "lots"}, "room_revenue"),
        ({"check_in_at": "yesterday"}, "check_in_at"),
        ({"arrival_date": "2026-02-30"}, "arrival_date"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bulk_with_one_bad_row_writes_nothing(api, integrator, hotel, bad, field):
    StayFactory(property=hotel, confirmation_number="KEEP")
    before = snapshot(Stay)
    rows = [stay_row(), stay_row(), stay_row(**bad), stay_row()]
    response = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": rows})
    assert response.status_code == 400, response.content
    body = response.json()
    assert [(r["row"], r["field"]) for r in body["rows"]] == [(2, field)]
    assert body["rows"][0]["message"]
    assert snapshot(Stay) == before


def test_bulk_with_same_key_twice_is_a_row_error(api, integrator, hotel):
    rows = [stay_row(confirmation_number="TWICE"), stay_row(), stay_row(confirmation_number="TWICE")]
    response = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": rows})
    assert response.status_code == 400
    assert [(r["row"], r["field"]) for r in response.json()["rows"]] == [(2, "confirmation_number")]
    assert not Stay.objects.exists()


def test_bulk_over_1000_rows_is_refused(api, integrator, hotel):
    rows = [stay_row(confirmation_number=f"X{i}") for i in range(1001)]
    response = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": rows})
    assert_names_field(response, "stays")
    assert "rows" not in response.json()  # not a row error: the batch as a whole is too big
    assert not Stay.objects.exists()


@pytest.mark.parametrize("payload", [{"stays": []}, {"stays": "all of them"}, {}, {"stays": [1, 2]}])
def test_bulk_malformed_batches_are_400(api, integrator, hotel, payload):
    response = api.as_user(integrator).post("/api/v1/stays/bulk/", payload)
    assert response.status_code == 400
    assert "stays" in response.json()["errors"] or "rows" in response.json()["errors"]
    assert not Stay.objects.exists()


# --- Arrivals -----------------------------------------------------------------------------


@pytest.fixture
def arrivals_day(hotel, other_hotel):
    day = dt.date(2026, 5, 1)
    wei = chinese_guest()
    pillow = PreferenceTypeFactory(code="pillow-feather-t", label="Feather pillow")
    GuestPreferenceFactory(guest=wei, preference_type=pillow)
    GuestNoteFactory(guest=wei, kind=GuestNote.Kind.ALERT, text="Nut allergy")
    GuestNoteFactory(guest=wei, kind=GuestNote.Kind.ALERT, text="Old alert", is_active=False)
    GuestNoteFactory(guest=wei, kind=GuestNote.Kind.NOTE, text="Just a note")
    StayFactory(guest=wei, property=hotel, arrival_date=day, status=Stay.Status.RESERVED, confirmation_number="ARR-1")
    StayFactory(guest=None, property=hotel, arrival_date=day, status=Stay.Status.RESERVED, confirmation_number="ARR-2")
    StayFactory(property=hotel, arrival_date=day, status=Stay.Status.CANCELLED, confirmation_number="ARR-X")
    StayFactory(property=hotel, arrival_date=day + dt.timedelta(days=1), status=Stay.Status.RESERVED)
    StayFactory(property=other_hotel, arrival_date=day, status=Stay.Status.RESERVED, confirmation_number="ALG-1")
    return day


def test_arrivals_list_preferences_alerts_and_badges(api, front_desk, arrivals_day):
    response = api.as_user(front_desk).get("/api/v1/arrivals/", {"property": "lis", "date": "2026-05-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["property"], body["date"], body["count"]) == ("LIS", "2026-05-01", 2)
    by_confirmation = {r["stay"]["confirmation_number"]: r for r in body["results"]}
    assert set(by_confirmation) == {"ARR-1", "ARR-2"}
    wei = by_confirmation["ARR-1"]
    assert wei["guest"]["display_name"] == "张伟 (Wei Zhang)"
    assert [p["preference_label"] for p in wei["preferences"]] == ["Feather pillow"]
    assert wei["alerts"] == ["Nut allergy"]
    assert isinstance(wei["badges"], list)
    walk_in = by_confirmation["ARR-2"]
    assert walk_in["guest"] is None and walk_in["preferences"] == [] and walk_in["alerts"] == []


def test_arrivals_query_count_does_not_grow_with_arrivals(api, front_desk, hotel, django_assert_num_queries):
    day = dt.date(2026, 6, 1)
    StayFactory.create_batch(2, property=hotel, arrival_date=day, status=Stay.Status.RESERVED)
    for _ in range(20):
        stay = StayFactory(property=hotel, arrival_date=day + dt.timedelta(days=1), status=Stay.Status.RESERVED)
        GuestPreferenceFactory(guest=stay.guest)
        GuestNoteFactory(guest=stay.guest, kind=GuestNote.Kind.ALERT)
    client = api.as_user(front_desk)
    client.get("/api/v1/arrivals/", {"property": "LIS", "date": "2026-06-01"})
    with CaptureQueriesContext(connection) as measured:
        client.get("/api/v1/arrivals/", {"property": "LIS", "date": "2026-06-01"})
    with django_assert_num_queries(len(measured)):
        response = client.get("/api/v1/arrivals/", {"property": "LIS", "date": "2026-06-02"})
    assert response.json()["count"] == 20


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"property": "LIS", "date": "01/05/2026"}, "date"),
        ({"property": "LIS", "date": "2026-02-30"}, "date"),
        ({"property": "LIS", "date": "tomorrow"}, "date"),
        ({"date": "2026-05-01"}, "property"),
        ({"property": "NOPE", "date": "2026-05-01"}, "property"),
        ({"property": "ALG", "date": "2026-05-01"}, "property"),  # not one of the front desk's hotels
        ({"property": "LIS", "date": "9999-12-31"}, "date"),
        ({"property": "LIS", "date": "1899-12-31"}, "date"),
        ({"property": "LIS" * 10, "date": "2026-05-01"}, "property"),
    ],
)
def test_arrivals_bad_parameters_are_400(api, front_desk, arrivals_day, params, field):
    response = api.as_user(front_desk).get("/api/v1/arrivals/", params)
    assert_names_field(response, field)


def test_chain_wide_role_sees_arrivals_of_any_property(api, chain_admin, arrivals_day):
    response = api.as_user(chain_admin).get("/api/v1/arrivals/", {"property": "ALG", "date": "2026-05-01"})
    assert response.status_code == 200
    assert [r["stay"]["confirmation_number"] for r in response.json()["results"]] == ["ALG-1"]


def test_arrivals_default_to_today(api, front_desk, hotel):
    from django.utils import timezone

    StayFactory(property=hotel, arrival_date=timezone.localdate(), status=Stay.Status.RESERVED, confirmation_number="T")
    response = api.as_user(front_desk).get("/api/v1/arrivals/", {"property": "LIS"})
    assert response.json()["date"] == timezone.localdate().isoformat()
    assert response.json()["count"] == 1


# --- Properties ---------------------------------------------------------------------------


def test_chain_admin_creates_a_property(api, chain_admin):
    response = api.as_user(chain_admin).post(
        "/api/v1/properties/", {"code": "OPO", "name": "Porto Ribeira", "timezone": "Europe/Lisbon"}
    )
    assert response.status_code == 201, response.content
    assert Property.objects.filter(code="OPO", timezone="Europe/Lisbon").exists()


def test_property_code_is_stored_upper_case(api, chain_admin):
    response = api.as_user(chain_admin).post("/api/v1/properties/", {"code": "opo", "name": "Porto Ribeira"})
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "OPO"
    assert Property.objects.filter(code="OPO").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "LIS", "name": "Second Lisbon"}, "code"),
        ({"code": "", "name": "No code"}, "code"),
        ({"code": "lis", "name": "Lower case duplicate"}, "code"),
        ({"code": "  ", "name": "Blank code"}, "code"),
        ({"code": "OPO"}, "name"),
        ({"code": "OPO", "name": "Porto", "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_property_bad_input_is_400_naming_the_field(api, chain_admin, hotel, payload, field):
    before = snapshot(Property)
    response = api.as_user(chain_admin).post("/api/v1/properties/", payload)
    assert_names_field(response, field)
    assert snapshot(Property) == before


# --- Preferences --------------------------------------------------------------------------


def test_preference_api_records_reconfirms_and_removes(api, front_desk, hotel):
    guest = GuestFactory()
    PreferenceTypeFactory(code="api-pillow", label="Feather pillow")
    client = api.as_user(front_desk)
    url = f"/api/v1/guests/{guest.pk}/preferences/"
    first = client.post(url, {"preference_type": "api-pillow", "source_property": "LIS", "note": "one"})
    assert first.status_code == 201, first.content
    again = client.post(url, {"preference_type": "api-pillow", "note": "two"})
    assert again.json()["id"] == first.json()["id"]
    listed = client.get(url).json()
    assert [(p["preference_label"], p["note"]) for p in listed] == [("Feather pillow", "two")]
    assert client.delete(f"{url}{first.json()['id']}/").status_code == 204
    assert client.get(url).json() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"preference_type": "no-such-preference"}, "preference_type"),
        ({"preference_type": "api-pillow", "source": "rumour"}, "source"),
        ({"preference_type": "api-pillow", "source_property": "NOPE"}, "source_property"),
        ({"preference_type": "api-pillow", "last_confirmed": "2999-01-01"}, "last_confirmed"),
        ({"preference_type": "api-pillow", "last_confirmed": "soon"}, "last_confirmed"),
    ],
)
def test_preference_api_bad_input(api, front_desk, hotel, payload, field):
    guest = GuestFactory()
    PreferenceTypeFactory(code="api-pillow")
    response = api.as_user(front_desk).post(f"/api/v1/guests/{guest.pk}/preferences/", payload)
    assert_names_field(response, field)
    assert not GuestPreference.objects.exists()


def test_preference_api_of_unknown_guest_or_preference_is_404(api, front_desk):
    guest = GuestFactory()
    client = api.as_user(front_desk)
    assert client.get("/api/v1/guests/999999/preferences/").status_code == 404
    assert client.delete(f"/api/v1/guests/{guest.pk}/preferences/999999/").status_code == 404


# --- Filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/guests/", {"updated_since": "last week"}, "updated_since"),
        ("/api/v1/guests/", {"company": "acme"}, "company"),
        ("/api/v1/stays/", {"arrival_from": "2026-02-30"}, "arrival_from"),
        ("/api/v1/stays/", {"status": "gone"}, "status"),
    ],
)
def test_bad_filter_values_are_400_naming_the_filter(api, front_desk, path, params, field):
    assert_names_field(api.as_user(front_desk).get(path, params), field)


def test_stay_filters(api, front_desk, hotel, other_hotel):
    keep = StayFactory(property=hotel, arrival_date=dt.date(2026, 4, 1), status=Stay.Status.RESERVED)
    StayFactory(property=other_hotel, arrival_date=dt.date(2026, 4, 1), status=Stay.Status.RESERVED)
    StayFactory(property=hotel, arrival_date=dt.date(2026, 3, 1), status=Stay.Status.RESERVED)
    response = api.as_user(front_desk).get(
        "/api/v1/stays/", {"property": "lis", "arrival_from": "2026-03-15", "status": "reserved"}
    )
    assert [s["id"] for s in response.json()["results"]] == [keep.pk]


# --- Other apps' sections and badges ------------------------------------------------------


def test_profile_and_arrivals_carry_other_apps_sections_and_badges(api, front_desk, hotel, gold_badge_section):
    guest = GuestFactory()
    StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2026, 8, 1), status=Stay.Status.RESERVED)
    client = api.as_user(front_desk)
    profile = client.get(f"/api/v1/guests/{guest.pk}/profile/").json()
    assert profile["badges"] == [{"label": "Gold", "kind": "tier"}]
    assert profile["sections"]["test_tier"] == {"tier": "Gold", "guest_id": guest.pk}
    arrivals = client.get("/api/v1/arrivals/", {"property": "LIS", "date": "2026-08-01"}).json()
    assert arrivals["results"][0]["badges"] == [{"label": "Gold", "kind": "tier"}]


def test_sections_are_hidden_from_viewers_without_their_permission(api, front_desk, monkeypatch, gold_badge_section):
    from dataclasses import replace

    from crm_site import extensions

    section = extensions._REGISTRY[extensions.GuestSection]["test_tier"]
    monkeypatch.setitem(
        extensions._REGISTRY[extensions.GuestSection], "test_tier", replace(section, permission="guests.merge_guest")
    )
    guest = GuestFactory()
    profile = api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/profile/").json()
    assert {"label": "Gold", "kind": "tier"} not in profile["badges"]
    assert "test_tier" not in profile["sections"]
