"""``hotel-booking-demand``: ``hotel_bookings.csv.gz`` as published (Antonio, de Almeida,
Nunes 2019; see ``../shared/data/README.md``): anonymised reservations, so stays
without a guest.  Every column is kept, as the file says it:

* ``hotel`` → property ``H1`` (Resort Hotel) / ``H2`` (City Hotel), created when a row
  needs it; arrival from year, English month name and day; nights = weekend + week
  nights; ``reservation_status`` Check-Out / Canceled / No-Show → checked_out /
  cancelled / no_show;
* ``adr`` → ``adr`` (EUR per night); room revenue = ADR × nights for checked-out stays;
  cancelled and no-show stays bill nothing (revenue totals need no status filter) and
  keep ADR × nights as ``lost_revenue``; ``reservation_status_date`` of a cancelled or
  no-show row → ``cancelled_on``;
* ``distribution_channel`` kept as given (``TA/TO``, ``Undefined`` ...) with the CRM's
  ``channel`` beside it (TA/TO → ota, Undefined → direct); ``market_segment``,
  ``customer_type``, ``deposit_type``, ``meal`` → ``meal_plan`` kept as given;
* ``lead_time`` → ``lead_time_days`` and ``booking_date`` = arrival − lead time;
* ``agent`` / ``company`` → ``agent_code`` / ``company_code`` as given (``NULL`` → empty),
  and the stay attributed to the key accounts with those ids (``agent_account`` /
  ``company_account``; accounts created when first seen);
* ``reserved_room_type``, ``assigned_room_type`` → ``room_type``; ``country`` (``NULL``
  → empty); adults, children (``NA`` → 0), babies; ``is_repeated_guest``,
  ``previous_cancellations``, ``previous_bookings_not_canceled``, ``booking_changes``,
  ``days_in_waiting_list``, ``required_car_parking_spaces`` → ``parking_spaces``,
  ``total_of_special_requests`` → ``special_requests_count``.

Not stored, because they follow from what is: ``is_canceled`` (the status; a row whose
flag disagrees with it is refused), ``arrival_date_week_number`` and the split of the
nights into weekend and week nights.  The confirmation number is ``HBD-<data row
number>``, so a re-import finds the same stays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_site import parsing

from ..models import Property, Stay
from ..services import StayRowContext, stay_rows_clean
from ..services.stay_facts import FACT_FIELDS
from .common import ImportResult, read_header, read_rows, save_in_batches
from .pms_csv import ALWAYS_SET

HBD_PROPERTIES = {"Resort Hotel": "H1", "City Hotel": "H2"}
HBD_PROPERTY_DETAILS = {
    "H1": {"name": "Resort Hotel", "city": "Algarve", "country": "PRT", "currency": "EUR", "timezone": "Europe/Lisbon"},
    "H2": {"name": "City Hotel", "city": "Lisbon", "country": "PRT", "currency": "EUR", "timezone": "Europe/Lisbon"},
}
HBD_STATUS = {"Check-Out": Stay.Status.CHECKED_OUT, "Canceled": Stay.Status.CANCELLED, "No-Show": Stay.Status.NO_SHOW}
HBD_CHANNEL = {
    "Direct": Stay.Channel.DIRECT,
    "Corporate": Stay.Channel.CORPORATE,
    "TA/TO": Stay.Channel.OTA,
    "GDS": Stay.Channel.GDS,
    "Undefined": Stay.Channel.DIRECT,
}
HBD_SET = ALWAYS_SET + (
    "room_type",
    "reserved_room_type",
    "distribution_channel",
    "market_segment",
    "country",
    *FACT_FIELDS,
)
HBD_REQUIRED = (
    "hotel",
    "is_canceled",
    "lead_time",
    "arrival_date_year",
    "arrival_date_month",
    "arrival_date_day_of_month",
    "stays_in_weekend_nights",
    "stays_in_week_nights",
    "adults",
    "children",
    "babies",
    "meal",
    "country",
    "market_segment",
    "distribution_channel",
    "is_repeated_guest",
    "previous_cancellations",
    "previous_bookings_not_canceled",
    "reserved_room_type",
    "assigned_room_type",
    "booking_changes",
    "deposit_type",
    "agent",
    "company",
    "days_in_waiting_list",
    "customer_type",
    "adr",
    "required_car_parking_spaces",
    "total_of_special_requests",
    "reservation_status",
    "reservation_status_date",
)
# The file's column → the stay field it fills, checked by the stay rule set.
HBD_AS_GIVEN = {
    "lead_time": "lead_time_days",
    "babies": "babies",
    "meal": "meal_plan",
    "market_segment": "market_segment",
    "distribution_channel": "distribution_channel",
    "is_repeated_guest": "is_repeated_guest",
    "previous_cancellations": "previous_cancellations",
    "previous_bookings_not_canceled": "previous_bookings_not_canceled",
    "reserved_room_type": "reserved_room_type",
    "assigned_room_type": "room_type",
    "booking_changes": "booking_changes",
    "deposit_type": "deposit_type",
    "days_in_waiting_list": "days_in_waiting_list",
    "customer_type": "customer_type",
    "adr": "adr",
    "required_car_parking_spaces": "parking_spaces",
    "total_of_special_requests": "special_requests_count",
}
# A stay field an error names → the file's column it came from.
HBD_COLUMN_OF = {
    **{field: column for column, field in HBD_AS_GIVEN.items()},
    "agent_code": "agent",
    "company_code": "company",
    "cancelled_on": "reservation_status_date",
    "booking_date": "lead_time",
    "departure_date": "stays_in_week_nights",
}
_LOST = {Stay.Status.CANCELLED, Stay.Status.NO_SHOW}
# Translated when a row is refused, not for every row read.
_UNKNOWN_HOTEL = gettext_lazy("Unknown hotel (Resort Hotel or City Hotel).")
_UNKNOWN_STATUS = gettext_lazy("Unknown reservation status.")
_UNKNOWN_CHANNEL = gettext_lazy("Unknown distribution channel.")
_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_INT_COLUMNS = (
    "arrival_date_year",
    "arrival_date_day_of_month",
    "stays_in_weekend_nights",
    "stays_in_week_nights",
    "adults",
    "children",
)


class _Refused(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def import_hotel_booking_demand(stream, result: ImportResult, *, batch_size: int) -> None:
    header, reader = read_header(stream, result, required=HBD_REQUIRED, known=None)
    if header is None:
        return
    mapped = []
    for index, (number, raw) in enumerate(read_rows(reader, header, result, HBD_REQUIRED), start=1):
        try:
            mapped.append((number, _hbd_row(index, raw)))
        except _Refused as refused:
            result.reject(number, refused.column, refused.reason)
    properties = _ensure_properties({row["property"] for _n, row in mapped}, result)
    _attribute(mapped)
    valid, errors = stay_rows_clean(mapped, context=StayRowContext(properties=properties))
    result.reject_stay_errors(dataclasses.replace(e, field=HBD_COLUMN_OF.get(e.field, e.field)) for e in errors)
    save_in_batches(valid, result, columns=HBD_SET, batch_size=batch_size)


def _attribute(mapped: list[tuple[int, dict]]) -> None:
    """The file's agent and company ids → the key accounts with those external ids
    (systems ``hotel-booking-demand:agent`` / ``:company``), created when first seen: each
    stay is attributed to them at import, never later from a guest's employer."""
    from accounts.services import HBD_AGENT, HBD_COMPANY, accounts_for_external_ids

    for system, code_field, account_field in (
        (HBD_AGENT, "agent_code", "agent_account"),
        (HBD_COMPANY, "company_code", "company_account"),
    ):
        # Codes the stay rule set would refuse (too long) stay unattributed; the row is refused there.
        codes = {row[code_field] for _n, row in mapped if row[code_field] and len(row[code_field]) <= 40}
        accounts = accounts_for_external_ids(system=system, codes=codes)
        for _n, row in mapped:
            row[account_field] = accounts.get(row[code_field])


def _ensure_properties(codes: set[str], result: ImportResult) -> dict[str, Property]:
    """The dataset's hotels the accepted rows name, created when missing."""
    properties = {}
    for code in sorted(codes):
        prop, created = Property.objects.get_or_create(code=code, defaults=HBD_PROPERTY_DETAILS[code])
        if created:
            result.properties_created.append(code)
        properties[code] = prop
    return properties


def _int(raw: dict, column: str) -> int:
    value = raw.get(column, "")
    if column == "children" and value in ("NA", ""):
        return 0
    try:
        return int(value)
    except ValueError:
        raise _Refused(column, _("Enter a whole number.")) from None


def _lookup(table: dict, raw: dict, column: str, reason: str):
    value = table.get(raw[column])
    if value is None:
        raise _Refused(column, reason)
    return value


def _absent(value: str) -> str:
    return "" if value == "NULL" else value


def _hbd_row(index: int, raw: dict) -> dict:
    """A dataset row as a stay row; raises _Refused naming the column.  Values given as
    they are (counts, categories, ADR) are checked by the stay rule set, which names the
    stay field; ``_hbd_row`` reports the file's own column where it derives a value."""
    code = _lookup(HBD_PROPERTIES, raw, "hotel", _UNKNOWN_HOTEL)
    month = _MONTHS.get(raw["arrival_date_month"].lower())
    if month is None:
        raise _Refused("arrival_date_month", _("Unknown month name."))
    ints = {c: _int(raw, c) for c in _INT_COLUMNS}
    nights = ints["stays_in_weekend_nights"] + ints["stays_in_week_nights"]
    try:
        arrival = dt.date(ints["arrival_date_year"], month, ints["arrival_date_day_of_month"])
        departure = arrival + dt.timedelta(days=nights)
    except (ValueError, OverflowError):
        raise _Refused("arrival_date_day_of_month", _("Not a valid date.")) from None
    status = _lookup(HBD_STATUS, raw, "reservation_status", _UNKNOWN_STATUS)
    if raw["is_canceled"] != ("1" if status in _LOST else "0"):
        raise _Refused("is_canceled", _("Must be 1 for a Canceled or No-Show booking, else 0."))
    channel = _lookup(HBD_CHANNEL, raw, "distribution_channel", _UNKNOWN_CHANNEL)
    adr = _adr(raw)
    room = (adr * nights).quantize(Decimal("0.01")) if status == Stay.Status.CHECKED_OUT else Decimal("0")
    return {
        **{field: raw[column] for column, field in HBD_AS_GIVEN.items()},
        "property": code,
        "confirmation_number": f"HBD-{index:06d}",
        "arrival_date": arrival,
        "departure_date": departure,
        "status": status,
        "channel": channel,
        "room_revenue": room,
        "currency": "EUR",
        "adults": ints["adults"],
        "children": ints["children"],
        "country": _absent(raw["country"]),
        "agent_code": _absent(raw["agent"]),
        "company_code": _absent(raw["company"]),
        "cancelled_on": raw["reservation_status_date"] if status in _LOST else None,
    }


def _adr(raw: dict) -> Decimal:
    try:
        adr = Decimal(raw["adr"])
    except InvalidOperation:
        raise _Refused("adr", _("Enter a number.")) from None
    if not adr.is_finite() or abs(adr) >= parsing.MAX_MONEY:
        raise _Refused("adr", _("Enter a number."))
    return adr
