"""The fact tables row for row, to compare a refresh with a rebuild."""

from __future__ import annotations

from decimal import Decimal

from performance.models import ArrivalDay, BookingDay, BookingFact, NightDay, NightFact, SourceDay, StayFact

CENT = Decimal("0.01")


def rows(model) -> list[tuple]:
    columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    found = [
        tuple(v.quantize(CENT) if isinstance(v, Decimal) else v for v in row)
        for row in model.objects.values_list(*columns)
    ]
    return sorted(found, key=repr)


def fact_tables() -> dict[str, list[tuple]]:
    return {
        "nights": rows(NightFact),
        "bookings": rows(BookingFact),
        "stays": rows(StayFact),
        "night_days": rows(NightDay),
        "booking_days": rows(BookingDay),
        "arrival_days": rows(ArrivalDay),
        "source_days": rows(SourceDay),
    }
