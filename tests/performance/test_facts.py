"""The daily facts: each night on its own date, amounts spread to the cent, status
classes, repeat guests, kept by difference on every stay write (old and new dates) and
rebuilt idempotently; PostgreSQL's INSERT … SELECT and the Python builder agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from guests import services as guest_services
from performance.models import BookingFact, NightFact, StayFact
from performance.services import facts, facts_rebuild
from tests.factories import GuestFactory, StayFactory
from tests.guests.factories import stay_row
from tests.performance.facts_tables import fact_tables


def _nights(**filters):
    return dict(
        NightFact.objects.filter(**filters)
        .values("stay_date")
        .annotate(n=Sum("room_nights"))
        .values_list("stay_date", "n")
        .order_by("stay_date")
    )


def test_each_night_counts_on_its_date_and_amounts_add_up_to_the_cent(hotel):
    StayFactory(
        property=hotel,
        arrival_date=dt.date(2026, 3, 10),
        departure_date=dt.date(2026, 3, 13),
        room_revenue=Decimal("100.00"),
        fnb_revenue=Decimal("10.01"),
    )
    facts_rebuild()
    rows = list(
        NightFact.objects.order_by("stay_date").values_list("stay_date", "room_nights", "room_revenue", "fnb_revenue")
    )
    assert [r[0] for r in rows] == [dt.date(2026, 3, 10), dt.date(2026, 3, 11), dt.date(2026, 3, 12)]
    assert [r[1] for r in rows] == [1, 1, 1]
    assert [r[2] for r in rows] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(r[3] for r in rows) == Decimal("10.01")
    booking = BookingFact.objects.get()
    assert (booking.bookings, booking.room_nights, booking.los, booking.room_revenue) == (1, 3, 3, Decimal("100.00"))


def test_status_classes_day_use_and_lost_revenue(hotel):
    StayFactory(property=hotel, status="cancelled", room_revenue=0, adr=Decimal("80.00"))
    StayFactory(property=hotel, status="no_show", room_revenue=0, adr=Decimal("50.00"))
    StayFactory(property=hotel, status="reserved", arrival_date=dt.date(2026, 5, 1), departure_date=dt.date(2026, 5, 1))
    facts_rebuild()
    by_class = dict(
        BookingFact.objects.values("status_class").annotate(n=Sum("bookings")).values_list("status_class", "n")
    )
    assert by_class == {"cancelled": 1, "no_show": 1, "on_books": 1}
    lost = BookingFact.objects.aggregate(s=Sum("lost_revenue"))["s"]
    assert lost == Decimal("260.00")  # 80 × 2 + 50 × 2
    day_use = NightFact.objects.get(status_class="on_books")
    assert (day_use.stay_date, day_use.room_nights) == (dt.date(2026, 5, 1), 0)


def test_a_guest_with_an_earlier_stay_is_a_repeat_guest(hotel):
    guest = GuestFactory()
    StayFactory(property=hotel, guest=guest, arrival_date=dt.date(2025, 1, 10))
    StayFactory(property=hotel, guest=guest, arrival_date=dt.date(2026, 1, 10))
    facts_rebuild()
    assert dict(BookingFact.objects.values_list("arrival_date", "is_repeat")) == {
        dt.date(2025, 1, 10): False,
        dt.date(2026, 1, 10): True,
    }


def test_a_stay_write_refreshes_its_old_and_new_dates(hotel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stay, _status = guest_services.stay_upsert(
            row=stay_row(arrival_date="2026-03-10", departure_date="2026-03-12", status="reserved")
        )
    assert _nights() == {dt.date(2026, 3, 10): 1, dt.date(2026, 3, 11): 1}
    with django_capture_on_commit_callbacks(execute=True):
        guest_services.stay_upsert(
            row=stay_row(
                confirmation_number=stay.confirmation_number,
                arrival_date="2026-04-01",
                departure_date="2026-04-02",
                status="reserved",
            )
        )
    assert _nights() == {dt.date(2026, 4, 1): 1}
    assert StayFact.objects.get(stay_id=stay.pk).arrival_date == dt.date(2026, 4, 1)
    assert BookingFact.objects.get().arrival_date == dt.date(2026, 4, 1)


def test_rebuild_is_idempotent_and_the_command_reports(hotel, capsys):
    StayFactory.create_batch(3, property=hotel)
    facts_rebuild()
    first = list(NightFact.objects.values_list("stay_date", "room_nights", "room_revenue").order_by("stay_date"))
    call_command("rebuild_performance_facts")
    assert (
        list(NightFact.objects.values_list("stay_date", "room_nights", "room_revenue").order_by("stay_date")) == first
    )
    assert "3 stays" in capsys.readouterr().out
    call_command("rebuild_performance_facts", "--start", "2026-01-10", "--end", "2026-01-10")
    assert NightFact.objects.aggregate(n=Sum("room_nights"))["n"] == 6


def test_the_command_names_a_bad_argument(hotel):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="end"):
        call_command("rebuild_performance_facts", "--start", "2026-02-01", "--end", "2026-01-01")
    with pytest.raises(CommandError, match="property"):
        call_command("rebuild_performance_facts", "--property", "NOPE")


@pytest.mark.postgres
def test_postgres_and_python_builders_agree(hotel, other_hotel, monkeypatch):
    guest = GuestFactory()
    StayFactory(property=hotel, guest=guest, arrival_date=dt.date(2025, 12, 30), departure_date=dt.date(2026, 1, 4))
    StayFactory(property=hotel, guest=guest, room_revenue=Decimal("-7.00"), lead_time_days=40)
    StayFactory(property=other_hotel, status="cancelled", adr=Decimal("99.99"), room_revenue=0, lead_time_days=400)
    StayFactory(property=other_hotel, arrival_date=dt.date(2026, 2, 1), departure_date=dt.date(2026, 2, 1))

    facts_rebuild()
    in_sql = fact_tables()
    assert in_sql["stays"] and in_sql["nights"] and in_sql["bookings"]
    monkeypatch.setattr(facts, "_force_python", True)
    facts_rebuild()
    assert fact_tables() == in_sql
    # A date range alone, both ways.
    facts_rebuild(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 10))
    in_python = fact_tables()
    monkeypatch.setattr(facts, "_force_python", False)
    facts_rebuild(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 10))
    assert fact_tables() == in_python == in_sql
