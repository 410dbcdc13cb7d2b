"""Test data shapes of the guests app that are not models: API/import stay rows."""

import datetime as dt
import itertools

from tests.factories import GuestFactory

_confirmation = itertools.count(1)


def stay_row(**overrides) -> dict:
    """One stay as an integration sends it (plain JSON values, property by code)."""
    row = {
        "property": "LIS",
        "confirmation_number": f"RES{next(_confirmation):07d}",
        "arrival_date": "2026-03-10",
        "departure_date": "2026-03-13",
        "status": "reserved",
        "channel": "direct",
        "room_revenue": "300.00",
        "fnb_revenue": "45.50",
        "other_revenue": "0",
        "currency": "EUR",
        "adults": 2,
        "children": 0,
    }
    row.update(overrides)
    return row


AMOUNTS = ("room_revenue", "fnb_revenue", "other_revenue")


def desk_stay_row(**overrides) -> dict:
    """A stay as the front desk sends it: no amounts (they need the revenue permission)."""
    return {k: v for k, v in stay_row(**overrides).items() if k not in AMOUNTS}


def chinese_guest(**kwargs):
    """张伟 (Zhang Wei): the pinyin test case."""
    defaults = {"family_name": "张", "given_name": "伟", "family_name_latin": "Zhang", "given_name_latin": "Wei"}
    return GuestFactory(**{**defaults, **kwargs})


def days_from(day: dt.date, n: int) -> str:
    return (day + dt.timedelta(days=n)).isoformat()
