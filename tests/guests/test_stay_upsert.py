"""The one stay upsert, through every door: the API (POST, PUT, PATCH), the bulk API, the
importer and the admin all keep a stay's guest when a resend carries none, skip rows
equal to what is stored (reported ``unchanged``, not signalled), refuse what the rule set
refuses naming the field, and never deadlock on the same rows in another order."""

import csv
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm_site import roles
from guests import importers, services
from guests.models import Stay
from guests.signals import stays_upserted
from tests.factories import GuestFactory, StayFactory, UserFactory
from tests.guests.factories import stay_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    received = []

    def receiver(sender, stay_ids, **kwargs):
        received.append(sorted(stay_ids))

    stays_upserted.connect(receiver, dispatch_uid="test-stay-upsert-signals")
    yield received
    stays_upserted.disconnect(dispatch_uid="test-stay-upsert-signals")


@pytest.fixture
def admin_client(client, hotel):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _import_row(row: dict, tmp_path) -> importers.ImportResult:
    """The same stay as a line of our PMS export (no guest columns)."""
    columns = list(importers.CSV_REQUIRED) + ["room_type", "room_number"]
    path = tmp_path / "resend.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerow({c: row.get(c, "") for c in columns})
    return importers.import_stays(path=path)


def _admin_form(stay: Stay, **changes) -> dict:
    """What the admin's change form of ``stay`` posts (the key and the guest are shown
    read-only, so they are not sent)."""
    data = {
        "arrival_date": stay.arrival_date.isoformat(),
        "departure_date": stay.departure_date.isoformat(),
        "check_in_at_0": "",
        "check_in_at_1": "",
        "check_out_at_0": "",
        "check_out_at_1": "",
        "room_type": stay.room_type,
        "room_number": stay.room_number,
        "rate_code": stay.rate_code,
        "channel": stay.channel,
        "market_segment": stay.market_segment,
        "status": stay.status,
        "special_requests": stay.special_requests,
        "room_revenue": str(stay.room_revenue),
        "fnb_revenue": str(stay.fnb_revenue),
        "other_revenue": str(stay.other_revenue),
        "currency": stay.currency,
        "adults": stay.adults,
        "children": stay.children,
        "country": stay.country,
    }
    data.update(changes)
    return data


# Each door resends the stay as it is stored, without the guest; ``changed`` says whether
# the resend also changes a value (then it is an update that must still keep the guest).
def _resend(door, stay, row, *, api, integrator, admin_client, tmp_path, change):
    row = {**row, "room_number": "909"} if change else row
    if door == "api":
        response = api.as_user(integrator).post("/api/v1/stays/", {**row, "guest": None})
        assert response.status_code == 200, response.content
    elif door == "api_without_guest_key":
        response = api.as_user(integrator).post("/api/v1/stays/", {k: v for k, v in row.items() if k != "guest"})
        assert response.status_code == 200, response.content
    elif door == "api_put":
        response = api.as_user(integrator).put(f"/api/v1/stays/{stay.pk}/", {**row, "guest": None})
        assert response.status_code == 200, response.content
    elif door == "api_patch":
        body = {"guest": None, "room_number": row["room_number"]}
        assert api.as_user(integrator).patch(f"/api/v1/stays/{stay.pk}/", body).status_code == 200
    elif door == "bulk":
        response = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": [{**row, "guest": None}]})
        assert response.status_code == 200, response.content
        assert response.json()["rows"][0]["status"] == ("updated" if change else "unchanged")
    elif door == "import":
        result = _import_row(row, tmp_path)
        assert result.ok, result.errors
        assert (result.updated, result.unchanged) == ((1, 0) if change else (0, 1))
    elif door == "admin":
        response = admin_client.post(
            f"/admin/guests/stay/{stay.pk}/change/", _admin_form(stay, room_number=row["room_number"])
        )
        assert response.status_code == 302, response.content[:3000]


DOORS = ["api", "api_without_guest_key", "api_put", "api_patch", "bulk", "import", "admin"]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("change", [False, True], ids=["same", "changed"])
def test_resend_without_guest_keeps_the_link(
    door, change, api, integrator, admin_client, hotel, tmp_path, signals, django_capture_on_commit_callbacks
):
    guest = GuestFactory()
    row = stay_row(guest=guest.pk, room_type="DLX", room_number="101", status="checked_out")
    stay, _status = services.stay_upsert(row=row)
    before = Stay.objects.filter(pk=stay.pk).values().get()
    with django_capture_on_commit_callbacks(execute=True):
        _resend(
            door, stay, row, api=api, integrator=integrator, admin_client=admin_client, tmp_path=tmp_path, change=change
        )
    after = Stay.objects.filter(pk=stay.pk).values().get()
    assert after["guest_id"] == guest.pk
    if change:
        assert after["room_number"] == "909" and after["updated_at"] > before["updated_at"]
        assert {k: v for k, v in after.items() if k not in ("room_number", "updated_at")} == {
            k: v for k, v in before.items() if k not in ("room_number", "updated_at")
        }
        assert signals == [[stay.pk]]
    else:
        assert after == before  # not even updated_at moved
        assert signals == []
    assert Stay.objects.count() == 1


def test_a_stay_without_a_guest_gets_one_when_a_resend_names_it(api, integrator, hotel):
    row = stay_row(guest=None)
    first = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": [row]}).json()
    guest = GuestFactory()
    second = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": [{**row, "guest": guest.pk}]}).json()
    assert second["rows"] == [{"row": 0, "status": "updated", "id": first["rows"][0]["id"]}]
    assert Stay.objects.get().guest_id == guest.pk


def test_bulk_reports_each_row_and_signals_only_the_changed_ones(
    api, integrator, hotel, signals, django_capture_on_commit_callbacks
):
    rows = [stay_row(confirmation_number=f"R{i}") for i in range(3)]
    client = api.as_user(integrator)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/stays/bulk/", {"stays": rows}).json()
    ids = [r["id"] for r in first["rows"]]
    assert [r["status"] for r in first["rows"]] == ["created"] * 3
    assert signals == [sorted(ids)]
    signals.clear()
    rows[1]["status"] = "in_house"
    rows.append(stay_row(confirmation_number="R3"))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/api/v1/stays/bulk/", {"stays": rows}).json()
    new_id = Stay.objects.get(confirmation_number="R3").pk
    assert second["rows"] == [
        {"row": 0, "status": "unchanged", "id": ids[0]},
        {"row": 1, "status": "updated", "id": ids[1]},
        {"row": 2, "status": "unchanged", "id": ids[2]},
        {"row": 3, "status": "created", "id": new_id},
    ]
    assert (second["created"], second["updated"], second["unchanged"], second["rejected"]) == (1, 1, 2, 0)
    assert signals == [sorted([ids[1], new_id])]
    signals.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        third = client.post("/api/v1/stays/bulk/", {"stays": rows}).json()
    assert third["unchanged"] == 4 and callbacks == [] and signals == []


def test_upsert_without_all_or_nothing_reports_rejected_rows_and_writes_the_others(hotel, signals):
    report = services.stays_upsert(
        rows=[stay_row(confirmation_number="OK"), stay_row(adults=-1, currency="XYZ"), "not a row"],
        all_or_nothing=False,
    )
    assert [r.status for r in report.results] == ["created", "rejected", "rejected"]
    assert {e.field for e in report.results[1].errors} == {"adults", "currency"}
    assert report.results[2].errors[0].field == "stays"
    assert list(Stay.objects.values_list("confirmation_number", flat=True)) == ["OK"]


# --- One rule set ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"special_requests": "x" * 10_000_000}, "special_requests"),
        ({"special_requests": "late\x00arrival"}, "special_requests"),
        ({"room_type": "R" * 21}, "room_type"),
        ({"market_segment": "M" * 31}, "market_segment"),
        ({"country": "PORT"}, "country"),
        ({"rate_code": "C\x00"}, "rate_code"),
        ({"confirmation_number": "A\x00B"}, "confirmation_number"),
        ({"arrival_date": "9999-12-30", "departure_date": "9999-12-31"}, "arrival_date"),
        ({"arrival_date": "1899-12-30"}, "arrival_date"),
        ({"check_in_at": "9999-12-31T10:00:00Z"}, "check_in_at"),
        ({"room_revenue": "1e12"}, "room_revenue"),
        ({"room_revenue": "10.005"}, "room_revenue"),
        ({"adults": 100}, "adults"),
        ({"adults": 2.5}, "adults"),
        ({"guest": 2**70}, "guest"),
        ({"guest": True}, "guest"),
        ({"status": ["checked_out"]}, "status"),
        ({"property": {"code": "LIS"}}, "property"),
    ],
)
def test_the_rule_set_refuses_naming_the_field(hotel, overrides, field):
    with pytest.raises(services.StayBatchError) as caught:
        services.stays_upsert(rows=[stay_row(**overrides)])
    assert field in {e.field for e in caught.value.errors}
    assert not Stay.objects.exists()


def test_every_invalid_field_of_a_row_is_reported_at_once(hotel):
    with pytest.raises(services.StayBatchError) as caught:
        services.stays_upsert(rows=[stay_row(adults=-1, currency="XYZ", arrival_date="x", special_requests="\x00")])
    assert {(e.row, e.field) for e in caught.value.errors} == {
        (0, "adults"),
        (0, "currency"),
        (0, "arrival_date"),
        (0, "special_requests"),
    }
    assert caught.value.body()["detail"] == "1 row(s) rejected; nothing was written."


def test_a_10_mb_special_request_is_refused_by_the_import_naming_the_column(tmp_path, hotel):
    path = tmp_path / "big.csv"
    columns = list(importers.CSV_REQUIRED) + ["special_requests"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerow({**{c: stay_row().get(c, "") for c in columns}, "special_requests": "x" * 10_000_000})
    result = importers.import_stays(path=path)
    assert [(e.row, e.column) for e in result.errors] == [(2, "special_requests")]
    assert not Stay.objects.exists()


def test_the_api_refuses_an_overlong_special_request_naming_the_field(api, integrator, hotel):
    response = api.as_user(integrator).post("/api/v1/stays/", stay_row(special_requests="x" * 2001))
    assert response.status_code == 400
    assert "special_requests" in response.json()["errors"]
    bulk = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": [stay_row(special_requests="x" * 2001)]})
    assert bulk.status_code == 400
    assert [(r["row"], r["field"]) for r in bulk.json()["rows"]] == [(0, "special_requests")]
    assert not Stay.objects.exists()


def test_single_stay_api_reports_every_invalid_field(api, integrator, hotel):
    response = api.as_user(integrator).post(
        "/api/v1/stays/", stay_row(adults="many", arrival_date="9999-12-31", channel="pigeon")
    )
    assert response.status_code == 400
    assert {"adults", "arrival_date", "channel"} <= set(response.json()["errors"])


def test_put_without_the_dates_is_refused_and_patch_keeps_them(api, integrator, hotel):
    stay = StayFactory(property=hotel, room_number="12")
    client = api.as_user(integrator)
    response = client.put(f"/api/v1/stays/{stay.pk}/", {"room_number": "14"})
    assert response.status_code == 400
    assert {"arrival_date", "departure_date"} <= set(response.json()["errors"])
    assert client.patch(f"/api/v1/stays/{stay.pk}/", {"room_number": "14"}).status_code == 200
    stay.refresh_from_db()
    assert stay.room_number == "14"


# --- Deadlocks ---------------------------------------------------------------------------------


def _post_in_thread(user, rows, barrier, outcomes):
    client = APIClient()
    client.force_authenticate(user)
    try:
        barrier.wait(timeout=30)
        response = client.post("/api/v1/stays/bulk/", {"stays": rows}, format="json")
        outcomes.append((response.status_code, response.content[:300]))
    except Exception as exc:  # a deadlock surfaces here (or as a 500 above)
        outcomes.append((None, repr(exc)))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_with_the_same_stays_in_opposite_order_never_deadlock():
    """Two integrations push the same 150 stays at once, one in each order, 20 times (the
    stays change each round, so every round updates them): every request succeeds."""
    hotel = Stay._meta.get_field("property").related_model.objects.create(code="LIS", name="Lisbon")
    user = UserFactory(username="pms", roles=[roles.INTEGRATOR], properties=[hotel])
    day = dt.date(2026, 5, 1)
    for round_ in range(20):
        rows = [
            stay_row(
                confirmation_number=f"D{i:03d}",
                guest=None,
                arrival_date=day.isoformat(),
                departure_date=(day + dt.timedelta(days=1 + i % 3)).isoformat(),
                room_revenue=f"{100 + round_}.00",
                status="checked_out",
            )
            for i in range(150)
        ]
        barrier, outcomes = threading.Barrier(2), []
        threads = [
            threading.Thread(target=_post_in_thread, args=(user, batch, barrier, outcomes))
            for batch in (rows, rows[::-1])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert [status for status, _body in outcomes] == [200, 200], (round_, outcomes)
    assert Stay.objects.count() == 150
    assert set(Stay.objects.values_list("room_revenue", flat=True)) == {Decimal("119.00")}
