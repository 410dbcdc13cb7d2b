"""One rule set for a stay row, whoever sends it (API, bulk API, importer, admin).

A row is a mapping of plain values (JSON, CSV text or form values): property by code,
confirmation number, dates, status, channel, revenue split, party, free texts.  Every
invalid field of a row is reported at once, each through ``crm_site.parsing`` (dates
1900-2100, amounts, whole numbers, NUL bytes and lengths on every text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag

from .. import money
from ..models import Guest, Property, Stay

# Stored columns an upsert writes, besides the key (property, confirmation number).
STAY_FIELDS = (
    "guest",
    "arrival_date",
    "departure_date",
    "nights",
    "check_in_at",
    "check_out_at",
    "room_type",
    "room_number",
    "rate_code",
    "channel",
    "market_segment",
    "status",
    "special_requests",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "total_revenue",
    "currency",
    "adults",
    "children",
    "country",
)
# What a row may carry (the stored columns less the derived ones, plus the key).
ROW_FIELDS = ("property", "confirmation_number") + tuple(f for f in STAY_FIELDS if f not in ("nights", "total_revenue"))
REVENUE_FIELDS = ("room_revenue", "fnb_revenue", "other_revenue")
SPECIAL_REQUESTS_MAX = 2_000
TEXT_LIMITS = {
    "room_type": 20,
    "room_number": 10,
    "rate_code": 20,
    "market_segment": 30,
    "country": 3,
    "special_requests": SPECIAL_REQUESTS_MAX,
}
MAX_NIGHTS = 365
MAX_PARTY = 99


@dataclass(frozen=True)
class StayRowError:
    """One invalid field of one row (``row`` counts from 0 in a batch, or is the file's
    line number in an import)."""

    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class StayRowContext:
    """What validating a batch needs from the database, read once for all its rows:
    properties by code and the ids of the active guests the rows name."""

    properties: dict[str, Property]
    guest_ids: set[int] | None = None

    @classmethod
    def for_rows(cls, rows: Iterable) -> StayRowContext:
        referenced = set()
        for row in rows:
            value = row.get("guest") if isinstance(row, Mapping) else None
            value = getattr(value, "pk", value)
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
                referenced.add(value)
            elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
                referenced.add(int(value))
        guest_ids = set(Guest.objects.active().filter(pk__in=referenced).values_list("pk", flat=True))
        return cls(properties={p.code: p for p in Property.objects.all()}, guest_ids=guest_ids)


def _property(value, context: StayRowContext, *, field: str = "property") -> Property:
    if isinstance(value, Property):
        return value
    code = parsing.as_text(value, field=field, max_length=12, required=True, message=_("Unknown property code."))
    found = context.properties.get(code.upper())
    if found is None:
        raise DomainError(_("Unknown property code."), field=field, code="unknown_property")
    return found


def _guest_id(value, context: StayRowContext, *, field: str = "guest") -> int | None:
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        guest_id = parsing.as_id(value, field=field)
    except DomainError:
        raise DomainError(_("Unknown guest."), field=field, code="unknown_guest") from None
    if context.guest_ids is not None and guest_id not in context.guest_ids:
        raise DomainError(_("Unknown guest."), field=field, code="unknown_guest")
    return guest_id


def _currency(value, default: str, *, field: str = "currency") -> str:
    currency = parsing.as_text(value, field=field, max_length=3).upper() or default
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise DomainError(_("Use a 3-letter ISO currency code."), field=field, code="invalid_currency")
    if money.rate(currency) is None:
        raise DomainError(
            _("No exchange rate is configured for %(currency)s.") % {"currency": currency},
            field=field,
            code="unknown_currency",
        )
    return currency


def _party(value, *, field: str, default: int) -> int:
    return parsing.as_int(value, field=field, minimum=0, maximum=MAX_PARTY, default=default)


def _dates(row: Mapping, bag: ErrorBag):
    arrival = bag.check(parsing.as_date, row.get("arrival_date"), field="arrival_date")
    departure = bag.check(parsing.as_date, row.get("departure_date"), field="departure_date")
    if arrival is not None and departure is not None:
        if departure < arrival:
            bag.add(
                DomainError(_("Departure cannot be before arrival."), field="departure_date", code="before_arrival")
            )
        elif (departure - arrival).days > MAX_NIGHTS:
            bag.add(DomainError(_("A stay cannot be longer than a year."), field="departure_date", code="too_long"))
    return arrival, departure


def _shape_errors(row, bag: ErrorBag) -> None:
    """A row is an object of single values."""
    if not isinstance(row, Mapping):
        bag.add(DomainError(_("Send each stay as an object."), field="stays", code="invalid"))
        return
    for field, value in row.items():
        if isinstance(value, dict | list | tuple | set):
            bag.add(DomainError(_("Send a single value (text, number or null)."), field=str(field), code="invalid"))


def stay_row_clean(row: Mapping, *, context: StayRowContext) -> Stay:
    """Validate one row into an unsaved Stay; every invalid field of the row is reported
    at once (``DomainError.many``)."""
    bag = ErrorBag()
    _shape_errors(row, bag)
    bag.raise_if_any()  # the values below cannot be read
    prop = bag.check(_property, row.get("property"), context)
    confirmation = bag.check(
        parsing.as_text,
        row.get("confirmation_number"),
        field="confirmation_number",
        max_length=40,
        required=True,
        message=_("A confirmation number is required."),
    )
    arrival, departure = _dates(row, bag)
    values = {
        "status": bag.check(
            parsing.as_choice,
            row.get("status"),
            field="status",
            choices=_STATUSES,
            default=Stay.Status.RESERVED,
            message=_("Unknown status."),
        ),
        "channel": bag.check(
            parsing.as_choice,
            row.get("channel"),
            field="channel",
            choices=_CHANNELS,
            default=Stay.Channel.DIRECT,
            message=_("Unknown channel."),
        ),
        "guest_id": bag.check(_guest_id, row.get("guest"), context),
        "adults": bag.check(_party, row.get("adults"), field="adults", default=1),
        "children": bag.check(_party, row.get("children"), field="children", default=0),
        "currency": bag.check(_currency, row.get("currency"), prop.currency if prop else "EUR"),
        "check_in_at": bag.check(parsing.as_datetime, row.get("check_in_at"), field="check_in_at"),
        "check_out_at": bag.check(parsing.as_datetime, row.get("check_out_at"), field="check_out_at"),
    }
    for field in REVENUE_FIELDS:
        values[field] = bag.check(parsing.as_money, row.get(field), field=field, allow_negative=True)
    for field, limit in TEXT_LIMITS.items():
        values[field] = bag.check(parsing.as_text, row.get(field), field=field, max_length=limit)
    bag.raise_if_any()
    revenue = sum((values[f] for f in REVENUE_FIELDS), Decimal("0"))
    return Stay(
        property=prop,
        confirmation_number=confirmation,
        arrival_date=arrival,
        departure_date=departure,
        nights=(departure - arrival).days,
        total_revenue=money.to_chain_currency(revenue, values["currency"]),
        **values,
    )


# Computed once: ``TextChoices.values`` rebuilds its list on every access.
_STATUSES = frozenset(Stay.Status.values)
_CHANNELS = frozenset(Stay.Channel.values)


def stay_rows_clean(
    rows: Iterable[tuple[int, Mapping]], *, context: StayRowContext
) -> tuple[list[tuple[int, Stay]], list[StayRowError]]:
    """Validate numbered rows: the valid ones as unsaved stays, and every error.  A second
    row with the key (property, confirmation number) of an earlier one is an error."""
    valid: list[tuple[int, Stay]] = []
    errors: list[StayRowError] = []
    first_of: dict[tuple, int] = {}
    for number, row in rows:
        try:
            stay = stay_row_clean(row, context=context)
        except DomainError as error:
            errors.extend(StayRowError(number, field, m) for field, msgs in error.fields.items() for m in msgs)
            continue
        key = (stay.property.pk, stay.confirmation_number)
        if key in first_of:
            message = _("Duplicate of row %(n)d (same property and confirmation number).") % {"n": first_of[key]}
            errors.append(StayRowError(number, "confirmation_number", message))
            continue
        first_of[key] = number
        valid.append((number, stay))
    return valid, errors
