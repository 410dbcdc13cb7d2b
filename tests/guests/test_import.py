"""``import_stays``: our PMS export (csv) and the published hotel-booking-demand dataset.

SPEC §2.1: a dry run, a row-level error report (row, column, reason), no partial damage
(a rejected row changes nothing) and idempotence (re-running a file changes nothing).
Each test runs on SQLite (ORM writer) and, with DATABASE_URL, on PostgreSQL (COPY writer).
"""

import csv
import datetime as dt
import gzip
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from crm_site.errors import DomainError
from guests import importers
from guests.models import Guest, Property, Stay
from guests.signals import stays_upserted
from tests.factories import GuestFactory, PropertyFactory, StayFactory
from tests.guests.dataset import DATASET, needs_dataset

pytestmark = pytest.mark.django_db


HEADER = list(importers.CSV_REQUIRED)


def write_csv(tmp_path, rows, *, header=None, name="stays.csv") -> Path:
    header = header or HEADER + sorted({k for r in rows for k in r} - set(HEADER))
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def row(**overrides) -> dict:
    values = {
        "property": "LIS",
        "confirmation_number": "PMS-1",
        "arrival_date": "2026-03-10",
        "departure_date": "2026-03-13",
        "status": "checked_out",
        "channel": "direct",
        "room_revenue": "300.00",
        "fnb_revenue": "45.50",
        "other_revenue": "0",
        "currency": "EUR",
        "adults": "2",
        "children": "0",
    }
    values.update(overrides)
    return values


def state():
    """Everything an import may touch, to prove that nothing changed."""
    return {
        "stays": list(Stay.objects.order_by("pk").values()),
        "guests": list(Guest.objects.order_by("pk").values()),
        "properties": list(Property.objects.order_by("pk").values()),
    }


@pytest.fixture
def signals():
    received = []

    def receiver(sender, stay_ids, **kwargs):
        received.append(sorted(stay_ids))

    stays_upserted.connect(receiver, dispatch_uid="test-import-signal")
    yield received
    stays_upserted.disconnect(dispatch_uid="test-import-signal")


# --- Our CSV: the happy path ------------------------------------------------------------------


def test_csv_creates_stays_and_matches_or_creates_guests(tmp_path, hotel, django_capture_on_commit_callbacks, signals):
    by_email = GuestFactory(email="ana@mail.example", family_name_latin="Silva", given_name_latin="Ana")
    by_phone = GuestFactory(email="", phone="+351912000111", family_name_latin="Costa", given_name_latin="Rui")
    path = write_csv(
        tmp_path,
        [
            row(confirmation_number="A1", email="ANA@mail.example", family_name_latin="Whatever"),
            row(confirmation_number="A2", phone="+351 912 000 111"),
            row(confirmation_number="A3", email="new@mail.example", family_name="张", given_name="伟"),
            row(confirmation_number="A4", email="new@mail.example", family_name="张", given_name="伟"),
            row(confirmation_number="A5"),
            row(confirmation_number="A6", status="Checked-Out", channel="Walk-in", room_number="101"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=path)
        assert signals == []  # nothing before the commit
    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 6, 0, 0)
    assert (result.guests_matched, result.guests_created) == (2, 1)
    stays = {s.confirmation_number: s for s in Stay.objects.all()}
    assert stays["A1"].guest_id == by_email.pk
    assert stays["A2"].guest_id == by_phone.pk
    new = Guest.objects.get(email="new@mail.example")
    assert stays["A3"].guest_id == stays["A4"].guest_id == new.pk
    assert new.name_key == "zhangwei"  # created through the service: search keys derived
    assert stays["A5"].guest_id is None
    assert (stays["A6"].status, stays["A6"].channel, stays["A6"].room_number) == ("checked_out", "walk_in", "101")
    assert stays["A1"].nights == 3 and stays["A1"].total_revenue == Decimal("345.50")
    assert by_email.family_name_latin == Guest.objects.get(pk=by_email.pk).family_name_latin  # matched, not changed
    assert signals == [sorted(s.pk for s in stays.values())]


def test_csv_gzip_and_byte_order_mark_are_read(tmp_path, hotel):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER)
    writer.writeheader()
    writer.writerow(row(confirmation_number="GZ1"))
    path = tmp_path / "export.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8-sig") as f:
        f.write(buffer.getvalue())
    result = importers.import_stays(path=path)
    assert result.ok and result.created == 1


# --- Our CSV: errors, and nothing written ---------------------------------------------------------


def test_csv_rejected_rows_change_nothing_and_the_others_go_in(
    tmp_path, hotel, django_capture_on_commit_callbacks, signals
):
    kept = StayFactory(property=hotel, confirmation_number="KEEP", room_revenue=Decimal("10.00"))
    GuestFactory(email="known@mail.example")
    guests_before = list(Guest.objects.order_by("pk").values())
    path = write_csv(
        tmp_path,
        [
            row(confirmation_number="KEEP", room_revenue="999.00", email="brand.new@mail.example", family_name="Li"),
            row(confirmation_number="B1", property="NOPE"),
            row(confirmation_number="B2", arrival_date="10/03/2026"),
            row(confirmation_number="B3", departure_date="2026-03-01"),
            row(confirmation_number="B4", status="gone"),
            row(confirmation_number="B5", email="not-an-email"),
            row(confirmation_number="B6", email="nobody@mail.example"),  # no match, no name
            row(confirmation_number="B7", currency="XYZ"),
            row(confirmation_number="B8", adults="two"),
            row(confirmation_number="KEEP"),
            row(confirmation_number="B9", currency="XYZ", email="would.be@mail.example", family_name="Wu"),
            row(confirmation_number="B10", special_requests="x" * 2001),
            row(confirmation_number="B11", room_number="late\x00"),
            row(confirmation_number="B12", arrival_date="9999-12-30", departure_date="9999-12-31"),
            row(confirmation_number="OK1", email="known@mail.example"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=path)
    assert not result.ok
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "property"),
        (4, "arrival_date"),
        (5, "departure_date"),
        (6, "status"),
        (7, "email"),
        (8, "family_name"),
        (9, "currency"),
        (10, "adults"),
        (11, "confirmation_number"),  # the same stay twice in one file
        (12, "currency"),
        (13, "special_requests"),
        (14, "room_number"),
        (15, "arrival_date"),
        (15, "departure_date"),
    }
    assert all(e.reason for e in result.errors)
    assert "row 2" in next(e.reason for e in result.errors if e.row == 11)
    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (15, 1, 1, 0, 13)
    # The valid rows went in: the update (its guest is the stay's own) and the new stay.
    stays = {s.confirmation_number: s for s in Stay.objects.all()}
    assert set(stays) == {"KEEP", "OK1"}
    assert stays["KEEP"].room_revenue == Decimal("999.00") and stays["KEEP"].guest_id == kept.guest_id
    assert stays["OK1"].guest.email == "known@mail.example"
    # A rejected row created no guest (B9's Wu), and matched profiles are never changed.
    assert list(Guest.objects.order_by("pk").values()) == guests_before
    assert signals == [sorted([stays["KEEP"].pk, stays["OK1"].pk])]


def test_csv_file_of_only_bad_rows_writes_nothing(tmp_path, hotel, django_capture_on_commit_callbacks, signals):
    StayFactory(property=hotel, confirmation_number="KEEP", room_revenue=Decimal("10.00"))
    before = state()
    path = write_csv(
        tmp_path,
        [
            row(confirmation_number="KEEP", room_revenue="1.00", currency="XYZ"),
            row(confirmation_number="N1", email="new@mail.example", family_name="New", adults="-1"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=path)
    assert {(e.row, e.column) for e in result.errors} == {(2, "currency"), (3, "adults")}
    assert (result.created, result.updated, result.guests_created, result.rejected) == (0, 0, 0, 2)
    assert state() == before
    assert signals == []


def test_csv_header_problems_are_row_one_errors(tmp_path, hotel):
    header = [c for c in HEADER if c != "arrival_date"] + ["colour"]
    path = write_csv(tmp_path, [{k: v for k, v in row().items() if k in header}], header=header)
    result = importers.import_stays(path=path)
    assert {(e.row, e.column) for e in result.errors} == {(1, "arrival_date"), (1, "colour")}
    assert not Stay.objects.exists()


def test_csv_short_row_is_an_error(tmp_path, hotel):
    path = tmp_path / "short.csv"
    path.write_text(",".join(HEADER) + "\nLIS,X1,2026-03-10\n", encoding="utf-8")
    result = importers.import_stays(path=path)
    assert [(e.row, e.column) for e in result.errors] == [(2, "-")]


def test_empty_file_and_missing_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert [(e.row, e.column) for e in importers.import_stays(path=empty).errors] == [(1, "-")]
    with pytest.raises(DomainError):
        importers.import_stays(path=tmp_path / "absent.csv")


# --- Our CSV: dry run and idempotence --------------------------------------------------------


def test_csv_dry_run_counts_but_writes_nothing(tmp_path, hotel, django_capture_on_commit_callbacks, signals):
    StayFactory(property=hotel, confirmation_number="OLD", room_revenue=Decimal("1.00"))
    before = state()
    path = write_csv(
        tmp_path,
        [
            row(confirmation_number="OLD"),
            row(confirmation_number="NEW", email="dry@mail.example", family_name_latin="Dry"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=path, dry_run=True)
    assert result.ok and result.dry_run
    assert (result.created, result.updated, result.guests_created) == (1, 1, 1)
    assert state() == before
    assert signals == []


def test_csv_rerun_changes_nothing(tmp_path, hotel, django_capture_on_commit_callbacks, signals):
    path = write_csv(
        tmp_path,
        [
            row(confirmation_number="R1", email="again@mail.example", given_name_latin="Ann"),
            row(confirmation_number="R2", family_name_latin="Nameonly", given_name_latin="Nina"),  # no e-mail/phone
            row(confirmation_number="R3", check_in_at="2026-03-10T15:04:00+00:00"),
        ],
    )
    assert importers.import_stays(path=path).created == 3
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        again = importers.import_stays(path=path)
    assert (again.created, again.updated, again.unchanged, again.guests_created) == (0, 0, 3, 0)
    assert state() == before  # not even updated_at moved
    assert signals == []


def test_csv_changed_row_updates_that_stay_only(tmp_path, hotel, django_capture_on_commit_callbacks, signals):
    first = [row(confirmation_number="C1"), row(confirmation_number="C2")]
    importers.import_stays(path=write_csv(tmp_path, first))
    changed = [row(confirmation_number="C1"), row(confirmation_number="C2", room_revenue="500.00")]
    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=write_csv(tmp_path, changed, name="second.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    c2 = Stay.objects.get(confirmation_number="C2")
    assert c2.total_revenue == Decimal("545.50")
    assert signals == [[c2.pk]]


def test_csv_keeps_what_the_file_does_not_carry(tmp_path, hotel):
    guest = GuestFactory()
    StayFactory(property=hotel, guest=guest, confirmation_number="K1", room_number="707", rate_code="CORP")
    result = importers.import_stays(path=write_csv(tmp_path, [row(confirmation_number="K1", status="cancelled")]))
    assert result.updated == 1
    stay = Stay.objects.get(confirmation_number="K1")
    assert (stay.status, stay.room_number, stay.rate_code, stay.guest_id) == ("cancelled", "707", "CORP", guest.pk)


def test_csv_in_batches_sends_one_signal_per_batch(tmp_path, hotel, django_capture_on_commit_callbacks, signals):
    rows = [row(confirmation_number=f"N{i:03d}") for i in range(25)]
    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=write_csv(tmp_path, rows), batch_size=10)
    assert result.created == 25
    assert [len(ids) for ids in signals] == [10, 10, 5]


# --- The management command --------------------------------------------------------------------


def test_command_imports_and_reports(tmp_path, hotel, capsys):
    path = write_csv(tmp_path, [row(confirmation_number="CMD1")])
    call_command("import_stays", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Stay.objects.exists()
    call_command("import_stays", str(path))
    assert "1 stay(s) created" in capsys.readouterr().out
    assert Stay.objects.filter(confirmation_number="CMD1").exists()


def test_command_reports_rejected_rows_and_fails(tmp_path, hotel, capsys):
    path = write_csv(tmp_path, [row(confirmation_number="OK1"), row(confirmation_number="BAD", property="NOPE")])
    with pytest.raises(CommandError, match="those rows were not imported"):
        call_command("import_stays", str(path))
    captured = capsys.readouterr()
    assert "row 3, column property" in captured.err
    assert "1 stay(s) created" in captured.out and "1 rejected" in captured.out
    assert list(Stay.objects.values_list("confirmation_number", flat=True)) == ["OK1"]


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("import_stays", str(tmp_path / "nope.csv"))


# --- hotel-booking-demand: small hand-made files ----------------------------------------------

HBD_HEADER = (
    "hotel,is_canceled,lead_time,arrival_date_year,arrival_date_month,arrival_date_week_number,"
    "arrival_date_day_of_month,stays_in_weekend_nights,stays_in_week_nights,adults,children,babies,meal,country,"
    "market_segment,distribution_channel,is_repeated_guest,previous_cancellations,previous_bookings_not_canceled,"
    "reserved_room_type,assigned_room_type,booking_changes,deposit_type,agent,company,days_in_waiting_list,"
    "customer_type,adr,required_car_parking_spaces,total_of_special_requests,reservation_status,"
    "reservation_status_date"
)


def hbd_line(
    hotel="City Hotel",
    month="July",
    day=1,
    weekend=1,
    week=2,
    adults=2,
    children="0",
    country="PRT",
    channel="TA/TO",
    adr="100.50",
    status="Check-Out",
    status_date=None,
):
    """A row as the file has it: ``is_canceled`` follows the status; the status date is
    the arrival day unless given (a no-show's, or a day-use checkout's)."""
    canceled = 1 if status in ("Canceled", "No-Show") else 0
    if status_date is None:
        status_date = f"2016-{MONTHS.index(month) + 1:02d}-{day:02d}" if month in MONTHS else "2016-07-04"
    return (
        f"{hotel},{canceled},10,2016,{month},27,{day},{weekend},{week},{adults},{children},0,BB,{country},Online TA,"
        f"{channel},0,0,0,A,D,0,No Deposit,9,NULL,0,Transient,{adr},0,1,{status},{status_date}"
    )


MONTHS = [dt.date(2016, m, 1).strftime("%B") for m in range(1, 13)]


def write_hbd(tmp_path, lines) -> Path:
    path = tmp_path / "hotel_bookings.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        f.write(HBD_HEADER + "\n" + "\n".join(lines) + "\n")
    return path


def test_hbd_row_mapping(tmp_path):
    path = write_hbd(
        tmp_path,
        [
            hbd_line(),
            hbd_line(
                hotel="Resort Hotel",
                month="February",
                day=29,
                children="NA",
                country="NULL",
                channel="Direct",
                status="Canceled",
            ),
            hbd_line(weekend=0, week=0, status="No-Show", channel="Undefined"),
        ],
    )
    result = importers.import_stays(path=path, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert result.ok, result.errors
    assert sorted(result.properties_created) == ["H1", "H2"]
    assert Property.objects.get(code="H1").name == "Resort Hotel"
    first, resort, day_use = (Stay.objects.get(confirmation_number=f"HBD-{n:06d}") for n in (1, 2, 3))
    assert first.property.code == "H2" and first.guest is None
    assert (first.arrival_date, first.departure_date, first.nights) == (dt.date(2016, 7, 1), dt.date(2016, 7, 4), 3)
    assert (first.status, first.channel, first.market_segment, first.room_type) == (
        "checked_out",
        "ota",
        "Online TA",
        "D",
    )
    assert (first.room_revenue, first.total_revenue, first.currency) == (Decimal("301.50"), Decimal("301.50"), "EUR")
    assert (first.adults, first.children, first.country) == (2, 0, "PRT")
    assert resort.property.code == "H1"
    assert (resort.arrival_date, resort.status, resort.channel, resort.children, resort.country) == (
        dt.date(2016, 2, 29),
        "cancelled",
        "direct",
        0,
        "",
    )
    assert resort.room_revenue == 0  # cancelled and no-show stays carry no revenue
    assert (day_use.nights, day_use.status, day_use.channel, day_use.room_revenue) == (0, "no_show", "direct", 0)


def test_hbd_bad_rows_are_reported_and_the_others_imported(tmp_path):
    path = write_hbd(
        tmp_path,
        [
            hbd_line(),
            hbd_line(hotel="Beach Hotel"),
            hbd_line(month="Julember"),
            hbd_line(day=31, month="June"),
            hbd_line(adr="n/a"),
            hbd_line(status="Gone"),
            hbd_line(adults="x"),
            hbd_line(adults="100"),
            hbd_line(adr="1e400"),
        ],
    )
    result = importers.import_stays(path=path, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "hotel"),
        (4, "arrival_date_month"),
        (5, "arrival_date_day_of_month"),
        (6, "adr"),
        (7, "reservation_status"),
        (8, "adults"),
        (9, "adults"),
        (10, "adr"),
    }
    assert (result.created, result.rejected) == (1, 8)
    assert list(Stay.objects.values_list("confirmation_number", flat=True)) == ["HBD-000001"]
    # Only the hotel an imported row needs is created.
    assert result.properties_created == ["H2"]
    assert not Property.objects.filter(code="H1").exists()


def test_hbd_leaves_other_properties_alone(tmp_path):
    lis = PropertyFactory(code="LIS")
    kept = StayFactory(property=lis, confirmation_number="HBD-000001")  # same number, another hotel
    result = importers.import_stays(
        path=write_hbd(tmp_path, [hbd_line()]), format=importers.FORMAT_HOTEL_BOOKING_DEMAND
    )
    assert result.created == 1
    assert Stay.objects.get(pk=kept.pk).property_id == lis.pk
    assert Stay.objects.filter(confirmation_number="HBD-000001").count() == 2


def test_hbd_reimport_keeps_a_guest_linked_later(tmp_path):
    path = write_hbd(tmp_path, [hbd_line()])
    importers.import_stays(path=path, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    guest = GuestFactory()
    Stay.objects.update(guest=guest)
    again = importers.import_stays(path=path, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Stay.objects.get().guest_id == guest.pk


# --- hotel-booking-demand: the published dataset ----------------------------------------------


def expected_from_dataset():
    """Counts and room revenue straight from the file, by the documented rules."""
    statuses = {"Check-Out": "checked_out", "Canceled": "cancelled", "No-Show": "no_show"}
    codes = {"Resort Hotel": "H1", "City Hotel": "H2"}
    per_hotel, per_status, revenue = Counter(), Counter(), Counter()
    with gzip.open(DATASET, "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = codes[r["hotel"]]
            per_hotel[code] += 1
            per_status[(code, statuses[r["reservation_status"]])] += 1
            if r["reservation_status"] == "Check-Out":
                nights = int(r["stays_in_weekend_nights"]) + int(r["stays_in_week_nights"])
                revenue[code] += (Decimal(r["adr"]) * nights).quantize(Decimal("0.01"))
    return per_hotel, per_status, revenue


@needs_dataset
@pytest.mark.dataset
def test_dataset_dry_run_writes_nothing():
    before = state()
    result = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND, dry_run=True)
    assert result.ok, result.errors[:5]
    assert (result.rows, result.created) == (119_390, 119_390)
    assert state() == before  # not even the properties H1 / H2


@needs_dataset
@pytest.mark.dataset
def test_dataset_imports_completely_and_reimport_changes_nothing(django_capture_on_commit_callbacks, signals):
    per_hotel, per_status, revenue = expected_from_dataset()
    assert per_hotel == {"H1": 40_060, "H2": 79_330}  # the published counts (README)

    with django_capture_on_commit_callbacks(execute=True):
        result = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert result.ok, result.errors[:5]
    assert (result.rows, result.created, result.updated, result.unchanged) == (119_390, 119_390, 0, 0)
    assert Stay.objects.count() == 119_390
    assert dict(Counter(Stay.objects.values_list("property__code", flat=True))) == per_hotel
    assert Counter(Stay.objects.values_list("property__code", "status")) == per_status
    assert not Stay.objects.filter(guest__isnull=False).exists()
    for code, total in revenue.items():
        # SQLite sums decimals as floating point: compare to the cent.
        summed = Stay.objects.filter(property__code=code).aggregate(s=Sum("room_revenue"))["s"]
        assert Decimal(summed).quantize(Decimal("0.01")) == total
    # One stays_upserted per batch, after the commit, covering every stay once.
    assert len(signals) == -(-119_390 // importers.BATCH_SIZE)
    assert sorted(i for ids in signals for i in ids) == sorted(Stay.objects.values_list("pk", flat=True))

    before = list(Stay.objects.order_by("pk").values_list("pk", "updated_at", "total_revenue", "status"))
    signals.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert (again.created, again.updated, again.unchanged, again.properties_created) == (0, 0, 119_390, [])
    assert list(Stay.objects.order_by("pk").values_list("pk", "updated_at", "total_revenue", "status")) == before
    assert signals == []


# --- Planner statistics after a load -------------------------------------------------------------


def _analyzed(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]


@pytest.mark.postgres
def test_import_refreshes_the_planner_statistics(tmp_path, hotel):
    rows = [row(confirmation_number=f"AN{i}", email=f"an{i}@mail.example", family_name="An") for i in range(30)]
    path = write_csv(tmp_path, rows)
    with CaptureQueriesContext(connection) as dry:
        importers.import_stays(path=path, dry_run=True)
    assert _analyzed(dry) == []  # a dry run loads nothing
    with CaptureQueriesContext(connection) as ctx:
        assert importers.import_stays(path=path).created == 30
    assert _analyzed(ctx) == ['ANALYZE "guests_stay", "guests_guest"']
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'guests_stay'")
        assert cursor.fetchone()[0] == Stay.objects.count()
    with CaptureQueriesContext(connection) as again:
        assert importers.import_stays(path=path).unchanged == 30
    assert _analyzed(again) == []  # nothing changed, nothing to refresh


def test_no_analyze_outside_postgresql(tmp_path, hotel, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL analyzes (see above)")
    with CaptureQueriesContext(connection) as ctx:
        assert importers.import_stays(path=write_csv(tmp_path, [row()])).created == 1
    assert _analyzed(ctx) == []
