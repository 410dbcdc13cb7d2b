"""Demo revenue data for ``seed_demo``: booking facts of the demo stays, dated exchange
rates and each hotel's rooms to sell (with a history).

Booking facts follow the channel a stay came through, the way a PMS reports them:
the source's categories (distribution channel, market segment, customer type, deposit
type, meal plan) use the published hotel-booking-demand vocabulary, lead times are
short for walk-ins and corporate travel and long for groups, agents book the OTA and
group stays, a corporate guest's stays carry their company's code, and cancelled or
no-show bookings keep their ADR so their lost value is known.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from .models import ExchangeRate, Property, RoomInventory, Stay

# channel → (distribution channel, market segment) as the source reports them
SOURCE_CATEGORIES = {
    Stay.Channel.DIRECT: ("Direct", "Direct"),
    Stay.Channel.OTA: ("TA/TO", "Online TA"),
    Stay.Channel.GDS: ("GDS", "Offline TA/TO"),
    Stay.Channel.CORPORATE: ("Corporate", "Corporate"),
    Stay.Channel.WALK_IN: ("Direct", "Direct"),
    Stay.Channel.GROUP: ("TA/TO", "Groups"),
}
# channel → mean lead time in days (walk-ins book on the day)
LEAD_TIME_MEAN = {
    Stay.Channel.DIRECT: 35,
    Stay.Channel.OTA: 45,
    Stay.Channel.GDS: 20,
    Stay.Channel.CORPORATE: 12,
    Stay.Channel.WALK_IN: 0,
    Stay.Channel.GROUP: 110,
}
AGENTS = {
    "CHN": ["CTRIP", "FLIGGY", "MEITUAN", "BOOKING"],
    "PRT": ["BOOKING", "EXPEDIA", "9", "240", "TUI"],
}
MEAL_PLANS = {
    "resort": [("BB", 45), ("HB", 35), ("FB", 10), ("SC", 10)],
    "city": [("BB", 70), ("SC", 25), ("HB", 5)],
}
ROOM_ORDER = ["STD", "SUP", "DLX", "EXE", "STE"]

# Rooms to sell, with the history a chain keeps: (code, [(years before today, rooms, note)]).
# The sizes are those of real hotels of these kinds (a 300-room business hotel on the Bund,
# a 240-room hotel in Beijing, a 180-room city hotel in Lisbon, a 220-room Algarve resort).
INVENTORY = {
    "SHA": [(4, 300, "opening"), (1, 318, "executive floor converted to rooms")],
    "BJS": [(4, 240, "opening")],
    "LIS": [(4, 172, "opening"), (2, 180, "eighth floor added")],
    "ALG": [(4, 220, "opening"), (0.5, 196, "garden wing closed for renovation")],
}


def _pick(rng: random.Random, weighted: list[tuple]):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _lead_time(rng: random.Random, channel: str) -> int:
    mean = LEAD_TIME_MEAN[channel]
    return 0 if mean == 0 else min(540, int(rng.expovariate(1 / mean)))


def booking_facts(
    rng: random.Random, *, stay: Stay, adr: Decimal, company_code: str = "", history: tuple[int, int] = (0, 0)
) -> None:
    """Fill the booking facts of a demo stay from its channel, dates and status.
    ``history`` is the guest's earlier (stays, cancellations) at the chain."""
    channel, prop = stay.channel, stay.property
    stay.distribution_channel, stay.market_segment = SOURCE_CATEGORIES[channel]
    stay.lead_time_days = _lead_time(rng, channel)
    stay.booking_date = stay.arrival_date - dt.timedelta(days=stay.lead_time_days)
    stay.adr = adr
    if channel in (Stay.Channel.OTA, Stay.Channel.GROUP, Stay.Channel.GDS):
        stay.agent_code = rng.choice(AGENTS.get(prop.country, AGENTS["PRT"]))
    if channel == Stay.Channel.CORPORATE:
        stay.company_code = company_code or "CORP-WALKIN"
    stay.customer_type = _customer_type(rng, stay)
    stay.deposit_type = _pick(rng, [("No Deposit", 88), ("Non Refund", 9), ("Refundable", 3)])
    stay.meal_plan = _pick(rng, MEAL_PLANS["resort" if prop.code == "ALG" else "city"])
    stay.reserved_room_type = stay.room_type
    if stay.room_type in ROOM_ORDER[1:] and rng.random() < 0.1:  # an upgrade on arrival
        stay.reserved_room_type = ROOM_ORDER[ROOM_ORDER.index(stay.room_type) - 1]
    stay.babies = 1 if rng.random() < 0.03 else 0
    stay.previous_bookings_not_canceled, stay.previous_cancellations = history
    stay.is_repeated_guest = history[0] > 0
    stay.booking_changes = _pick(rng, [(0, 75), (1, 18), (2, 5), (3, 2)])
    stay.days_in_waiting_list = rng.randrange(1, 30) if rng.random() < 0.03 else 0
    stay.parking_spaces = 1 if rng.random() < (0.25 if prop.code == "ALG" else 0.05) else 0
    stay.special_requests_count = (1 if stay.special_requests else 0) + _pick(rng, [(0, 60), (1, 30), (2, 10)])
    stay.cancelled_on = _cancelled_on(rng, stay)


def _customer_type(rng: random.Random, stay: Stay) -> str:
    if stay.channel == Stay.Channel.GROUP:
        return "Group"
    if stay.channel in (Stay.Channel.CORPORATE, Stay.Channel.GDS) and rng.random() < 0.3:
        return "Contract"
    return "Transient-Party" if stay.adults >= 3 else "Transient"


def _cancelled_on(rng: random.Random, stay: Stay) -> dt.date | None:
    if stay.status == Stay.Status.NO_SHOW:
        return stay.arrival_date
    if stay.status != Stay.Status.CANCELLED:
        return None
    # Most cancellations come in the last weeks before arrival.
    return stay.arrival_date - dt.timedelta(days=int(stay.lead_time_days * rng.random() ** 2))


def ensure_rates(today: dt.date) -> int:
    """Monthly CNY and USD rates over the demo's three years (a gentle drift around the
    seed rate), so demo stays convert at the rate of their month."""
    added = []
    start = dt.date(today.year - 3, today.month, 1)
    for currency, base, swing in (
        ("CNY", Decimal("0.128"), Decimal("0.004")),
        ("USD", Decimal("0.92"), Decimal("0.03")),
    ):
        month = start
        index = 0
        while month <= today:
            drift = Decimal(str(round(math.sin(index / 5), 4))) * swing
            added.append(ExchangeRate(currency=currency, valid_from=month, rate=base + drift, source="demo"))
            month = (month + dt.timedelta(days=32)).replace(day=1)
            index += 1
    created = ExchangeRate.objects.bulk_create(added, ignore_conflicts=True)
    return len(created)


def ensure_inventory(properties: dict[str, Property], today: dt.date) -> None:
    """Each demo hotel's rooms to sell, with its history; reruns add nothing."""
    rows = []
    for code, history in INVENTORY.items():
        prop = properties.get(code)
        if prop is None:
            continue
        for years_before, rooms, note in history:
            valid_from = today - dt.timedelta(days=int(365 * years_before))
            if years_before >= 4:
                valid_from = dt.date(valid_from.year, 1, 1)
            else:
                valid_from = valid_from.replace(day=1)
            rows.append(RoomInventory(property=prop, valid_from=valid_from, rooms=rooms, note=note))
    if not RoomInventory.objects.filter(property__in=properties.values()).exists():
        RoomInventory.objects.bulk_create(rows)
