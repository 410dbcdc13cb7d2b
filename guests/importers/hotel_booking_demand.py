"""``hotel-booking-demand``: ``hotel_bookings.csv.gz`` as published (Antonio, de Almeida,
Nunes 2019; see ``../shared/data/README.md``): anonymised reservations, so stays
without a guest.

``hotel`` → property ``H1`` (Resort Hotel) / ``H2`` (City Hotel), created when a row
needs it; arrival from year, English month name and day; nights = weekend + week
nights; room revenue = ``adr`` × nights for checked-out stays (cancelled and no-show
stays carry no revenue, as everywhere in the CRM, so revenue totals need no status
filter); ``reservation_status`` Check-Out / Canceled / No-Show → checked_out /
cancelled / no_show; channel from ``distribution_channel`` (TA/TO → ota, Undefined →
direct); ``market_segment``, ``country`` (``NULL`` → empty), ``assigned_room_type``,
adults, children (``NA`` → 0).  The confirmation number is ``HBD-<data row number>``,
so a re-import finds the same stays.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from crm_site import parsing

from ..models import Property, Stay
from ..services import StayRowContext, stay_rows_clean
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
HBD_SET = ALWAYS_SET + ("room_type", "market_segment", "country")
HBD_REQUIRED = (
    "hotel",
    "arrival_date_year",
    "arrival_date_month",
    "arrival_date_day_of_month",
    "stays_in_weekend_nights",
    "stays_in_week_nights",
    "adults",
    "children",
    "country",
    "market_segment",
    "distribution_channel",
    "assigned_room_type",
    "adr",
    "reservation_status",
)
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
    valid, errors = stay_rows_clean(mapped, context=StayRowContext(properties=properties))
    result.reject_stay_errors(errors)
    save_in_batches(valid, result, columns=HBD_SET, batch_size=batch_size)


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


def _hbd_row(index: int, raw: dict) -> dict:
    """A dataset row as a stay row; raises _Refused naming the column."""
    code = _lookup(HBD_PROPERTIES, raw, "hotel", _("Unknown hotel (Resort Hotel or City Hotel)."))
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
    status = _lookup(HBD_STATUS, raw, "reservation_status", _("Unknown reservation status."))
    channel = _lookup(HBD_CHANNEL, raw, "distribution_channel", _("Unknown distribution channel."))
    try:
        adr = Decimal(raw["adr"])
    except InvalidOperation:
        raise _Refused("adr", _("Enter a number.")) from None
    if not adr.is_finite() or abs(adr) >= parsing.MAX_MONEY:
        raise _Refused("adr", _("Enter a number."))
    room = (adr * nights).quantize(Decimal("0.01")) if status == Stay.Status.CHECKED_OUT else Decimal("0")
    return {
        "property": code,
        "confirmation_number": f"HBD-{index:06d}",
        "arrival_date": arrival,
        "departure_date": departure,
        "status": status,
        "channel": channel,
        "market_segment": raw["market_segment"],
        "room_type": raw["assigned_room_type"],
        "room_revenue": room,
        "currency": "EUR",
        "adults": ints["adults"],
        "children": ints["children"],
        "country": raw["country"] if raw["country"] != "NULL" else "",
    }
