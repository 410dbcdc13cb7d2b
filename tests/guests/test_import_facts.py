"""The hotel-booking-demand import keeps every column as the file says it (issue #12):
a small hand-made sample checked field by field, bad values reported by the file's own
column, and the published file checked against a direct pandas computation."""

import csv
import datetime as dt
import gzip
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.db.models import Count, F, Sum

from guests import importers
from guests.models import Stay
from tests.guests.dataset import DATASET, needs_dataset

pytestmark = pytest.mark.django_db

COLUMNS = (
    "hotel,is_canceled,lead_time,arrival_date_year,arrival_date_month,arrival_date_week_number,"
    "arrival_date_day_of_month,stays_in_weekend_nights,stays_in_week_nights,adults,children,babies,meal,country,"
    "market_segment,distribution_channel,is_repeated_guest,previous_cancellations,previous_bookings_not_canceled,"
    "reserved_room_type,assigned_room_type,booking_changes,deposit_type,agent,company,days_in_waiting_list,"
    "customer_type,adr,required_car_parking_spaces,total_of_special_requests,reservation_status,"
    "reservation_status_date"
).split(",")

CHECKED_OUT = {
    "hotel": "City Hotel",
    "is_canceled": "0",
    "lead_time": "10",
    "arrival_date_year": "2016",
    "arrival_date_month": "July",
    "arrival_date_week_number": "27",
    "arrival_date_day_of_month": "1",
    "stays_in_weekend_nights": "1",
    "stays_in_week_nights": "2",
    "adults": "2",
    "children": "NA",
    "babies": "1",
    "meal": "HB",
    "country": "PRT",
    "market_segment": "Offline TA/TO",
    "distribution_channel": "TA/TO",
    "is_repeated_guest": "1",
    "previous_cancellations": "2",
    "previous_bookings_not_canceled": "3",
    "reserved_room_type": "A",
    "assigned_room_type": "D",
    "booking_changes": "4",
    "deposit_type": "Non Refund",
    "agent": "240",
    "company": "NULL",
    "days_in_waiting_list": "5",
    "customer_type": "Transient-Party",
    "adr": "100.50",
    "required_car_parking_spaces": "1",
    "total_of_special_requests": "2",
    "reservation_status": "Check-Out",
    "reservation_status_date": "2016-07-04",
}
CANCELED = {
    **CHECKED_OUT,
    "hotel": "Resort Hotel",
    "is_canceled": "1",
    "lead_time": "30",
    "arrival_date_month": "February",
    "arrival_date_day_of_month": "29",
    "stays_in_weekend_nights": "0",
    "stays_in_week_nights": "3",
    "children": "0",
    "babies": "0",
    "meal": "BB",
    "country": "NULL",
    "market_segment": "Complementary",
    "distribution_channel": "Undefined",
    "is_repeated_guest": "0",
    "agent": "NULL",
    "company": "45",
    "deposit_type": "No Deposit",
    "customer_type": "Transient",
    "adr": "80.25",
    "reservation_status": "Canceled",
    "reservation_status_date": "2016-02-10",
}
NO_SHOW = {
    **CHECKED_OUT,
    "lead_time": "0",
    "arrival_date_month": "August",
    "arrival_date_day_of_month": "5",
    "stays_in_weekend_nights": "0",
    "stays_in_week_nights": "1",
    "meal": "Undefined",
    "market_segment": "Groups",
    "distribution_channel": "Direct",
    "customer_type": "Group",
    "deposit_type": "Refundable",
    "is_canceled": "1",
    "adr": "0",
    "reservation_status": "No-Show",
    "reservation_status_date": "2016-08-05",
}


def write_file(tmp_path, rows: list[dict]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "hotel_bookings.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        f.write(buffer.getvalue())
    return path


def load(tmp_path, rows):
    return importers.import_stays(path=write_file(tmp_path, rows), format=importers.FORMAT_HOTEL_BOOKING_DEMAND)


def facts(stay: Stay) -> dict:
    fields = (
        "arrival_date booking_date lead_time_days departure_date nights status channel distribution_channel "
        "market_segment customer_type deposit_type meal_plan agent_code company_code reserved_room_type room_type "
        "adults children babies country is_repeated_guest previous_cancellations previous_bookings_not_canceled "
        "booking_changes days_in_waiting_list parking_spaces special_requests_count adr room_revenue total_revenue "
        "lost_revenue lost_revenue_chain cancelled_on currency exchange_rate"
    ).split()
    return {name: getattr(stay, name) for name in fields}


def test_every_column_is_kept_as_the_file_says(tmp_path):
    result = load(tmp_path, [CHECKED_OUT, CANCELED, NO_SHOW])
    assert result.ok, result.errors
    checked_out, canceled, no_show = (Stay.objects.get(confirmation_number=f"HBD-{n:06d}") for n in (1, 2, 3))
    assert facts(checked_out) == {
        "arrival_date": dt.date(2016, 7, 1),
        "booking_date": dt.date(2016, 6, 21),
        "lead_time_days": 10,
        "departure_date": dt.date(2016, 7, 4),
        "nights": 3,
        "status": "checked_out",
        "channel": "ota",  # the CRM's category ...
        "distribution_channel": "TA/TO",  # ... beside the source's own
        "market_segment": "Offline TA/TO",
        "customer_type": "Transient-Party",
        "deposit_type": "Non Refund",
        "meal_plan": "HB",
        "agent_code": "240",
        "company_code": "",
        "reserved_room_type": "A",
        "room_type": "D",
        "adults": 2,
        "children": 0,
        "babies": 1,
        "country": "PRT",
        "is_repeated_guest": True,
        "previous_cancellations": 2,
        "previous_bookings_not_canceled": 3,
        "booking_changes": 4,
        "days_in_waiting_list": 5,
        "parking_spaces": 1,
        "special_requests_count": 2,
        "adr": Decimal("100.50"),
        "room_revenue": Decimal("301.50"),
        "total_revenue": Decimal("301.50"),
        "lost_revenue": Decimal("0.00"),
        "lost_revenue_chain": Decimal("0.00"),
        "cancelled_on": None,
        "currency": "EUR",
        "exchange_rate": Decimal("1"),
    }
    assert facts(canceled) == {
        **facts(checked_out),
        "arrival_date": dt.date(2016, 2, 29),
        "booking_date": dt.date(2016, 1, 30),
        "lead_time_days": 30,
        "departure_date": dt.date(2016, 3, 3),
        "status": "cancelled",
        "channel": "direct",
        "distribution_channel": "Undefined",
        "market_segment": "Complementary",
        "customer_type": "Transient",
        "deposit_type": "No Deposit",
        "meal_plan": "BB",
        "agent_code": "",
        "company_code": "45",
        "babies": 0,
        "country": "",
        "is_repeated_guest": False,
        "adr": Decimal("80.25"),
        "room_revenue": Decimal("0.00"),  # nothing realised ...
        "total_revenue": Decimal("0.00"),
        "lost_revenue": Decimal("240.75"),  # ... the value lost kept apart
        "lost_revenue_chain": Decimal("240.75"),
        "cancelled_on": dt.date(2016, 2, 10),
    }
    assert (canceled.property.code, checked_out.property.code) == ("H1", "H2")
    assert (no_show.status, no_show.cancelled_on, no_show.booking_date, no_show.lead_time_days) == (
        "no_show",
        dt.date(2016, 8, 5),
        dt.date(2016, 8, 5),
        0,
    )
    assert (no_show.meal_plan, no_show.distribution_channel, no_show.channel, no_show.customer_type) == (
        "Undefined",
        "Direct",
        "direct",
        "Group",
    )
    assert (no_show.adr, no_show.lost_revenue, no_show.deposit_type) == (Decimal("0.00"), Decimal("0.00"), "Refundable")


def test_a_reimport_changes_nothing(tmp_path):
    load(tmp_path, [CHECKED_OUT, CANCELED, NO_SHOW])
    before = list(Stay.objects.order_by("pk").values())
    again = load(tmp_path, [CHECKED_OUT, CANCELED, NO_SHOW])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Stay.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"is_canceled": "1"}, "is_canceled"),  # a Check-Out flagged cancelled
        ({"lead_time": "-3"}, "lead_time"),
        ({"lead_time": "5000"}, "lead_time"),
        ({"babies": "x"}, "babies"),
        ({"meal": "M" * 21}, "meal"),
        ({"agent": "9" * 41}, "agent"),
        ({"company": "C" * 41}, "company"),
        ({"deposit_type": "D" * 21}, "deposit_type"),
        ({"customer_type": "T" * 31}, "customer_type"),
        ({"reserved_room_type": "R" * 21}, "reserved_room_type"),
        ({"is_repeated_guest": "2"}, "is_repeated_guest"),
        ({"previous_cancellations": "-1"}, "previous_cancellations"),
        ({"booking_changes": "1000"}, "booking_changes"),
        ({"days_in_waiting_list": "x"}, "days_in_waiting_list"),
        ({"required_car_parking_spaces": "100"}, "required_car_parking_spaces"),
        ({"total_of_special_requests": "-1"}, "total_of_special_requests"),
        ({"adr": "1.234"}, "adr"),
        (
            {"reservation_status": "Canceled", "is_canceled": "1", "reservation_status_date": "2016-07-05"},
            "reservation_status_date",
        ),
        (
            {"reservation_status": "Canceled", "is_canceled": "1", "reservation_status_date": "2016-06-01"},
            "reservation_status_date",
        ),
        (
            {"reservation_status": "Canceled", "is_canceled": "1", "reservation_status_date": "someday"},
            "reservation_status_date",
        ),
    ],
)
def test_a_bad_value_is_reported_by_the_files_column(tmp_path, changes, column):
    result = load(tmp_path, [CANCELED, {**CHECKED_OUT, **changes}])
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert list(Stay.objects.values_list("confirmation_number", flat=True)) == ["HBD-000001"]


# --- The published file ------------------------------------------------------------------------


def expected_from_pandas() -> dict:
    """The acceptance figures, straight from the file with pandas."""
    df = pd.read_csv(DATASET, keep_default_na=False, low_memory=False)
    df["code"] = df["hotel"].map({"Resort Hotel": "H1", "City Hotel": "H2"})
    df["nights"] = df["stays_in_weekend_nights"] + df["stays_in_week_nights"]
    df["value"] = (df["adr"] * df["nights"]).round(2)
    lost = df["reservation_status"] != "Check-Out"
    return {
        "bookings": df.groupby("code").size().to_dict(),
        "canceled": df[df["is_canceled"] == 1].groupby("code").size().to_dict(),
        "status": df["reservation_status"].value_counts().to_dict(),
        "adr_nights": df.groupby("code")["value"].sum().round(2).to_dict(),
        "lost": df[lost].groupby("code")["value"].sum().round(2).to_dict(),
        "lead_time": df.groupby("code")["lead_time"].sum().to_dict(),
        "room_nights": df[~lost].groupby("code")["nights"].sum().to_dict(),
        "country": df["country"].replace("NULL", "").value_counts().to_dict(),
        "market_segment": df["market_segment"].value_counts().to_dict(),
        "distribution_channel": df["distribution_channel"].value_counts().to_dict(),
        "customer_type": df["customer_type"].value_counts().to_dict(),
        "cancelled_on": df[lost]["reservation_status_date"].value_counts().to_dict(),
    }


def by(field: str) -> dict:
    return dict(Stay.objects.values_list(field).annotate(n=Count("id")).order_by())


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@needs_dataset
@pytest.mark.dataset
def test_the_published_file_matches_a_direct_pandas_computation():
    expected = expected_from_pandas()
    assert expected["bookings"] == {"H1": 40_060, "H2": 79_330}
    assert expected["canceled"] == {"H1": 11_122, "H2": 33_102}
    assert expected["status"] == {"Check-Out": 75_166, "Canceled": 43_017, "No-Show": 1_207}

    result = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert result.ok, result.errors[:5]

    per_hotel = Stay.objects.values("property__code").order_by("property__code")
    assert {r["property__code"]: r["n"] for r in per_hotel.annotate(n=Count("id"))} == expected["bookings"]
    lost = per_hotel.filter(status__in=["cancelled", "no_show"])
    assert {r["property__code"]: r["n"] for r in lost.annotate(n=Count("id"))} == expected["canceled"]
    assert by("status") == {"checked_out": 75_166, "cancelled": 43_017, "no_show": 1_207}
    sums = {
        r["property__code"]: r
        for r in per_hotel.annotate(
            value=Sum(F("adr") * F("nights")),
            room=Sum("room_revenue"),
            lost=Sum("lost_revenue"),
            lead=Sum("lead_time_days"),
        )
    }
    for code in ("H1", "H2"):
        # SQLite sums decimals as floating point: compare to the cent.
        assert cents(sums[code]["value"]) == cents(expected["adr_nights"][code])
        assert cents(sums[code]["room"]) + cents(sums[code]["lost"]) == cents(expected["adr_nights"][code])
        assert cents(sums[code]["lost"]) == cents(expected["lost"][code])
        assert sums[code]["lead"] == expected["lead_time"][code]
    nights = per_hotel.filter(status="checked_out").annotate(n=Sum("nights"))
    assert {r["property__code"]: r["n"] for r in nights} == expected["room_nights"]
    assert by("country") == expected["country"]
    assert by("market_segment") == expected["market_segment"]
    assert by("distribution_channel") == expected["distribution_channel"]
    assert by("customer_type") == expected["customer_type"]
    cancelled_on = {day.isoformat(): n for day, n in by("cancelled_on").items() if day is not None}
    assert cancelled_on == expected["cancelled_on"]
