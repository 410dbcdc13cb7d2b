"""One rule set for a stay row, whoever sends it (API, bulk API, importer, admin).

A row is a mapping of plain values (JSON, CSV text or form values): property by code,
confirmation number, dates, status, channel, revenue split, party, free texts and the
booking facts (``stay_facts``).  Every invalid field of a row is reported at once, each
through ``crm_site.parsing`` (dates 1900-2100, amounts, whole numbers, NUL bytes and
lengths on every text).  A valid row is converted to the chain currency with the rate
for its date (``guests.money``); a currency without one is refused, naming ``currency``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account
from crm_site import parsing, scope
from crm_site.errors import DomainError, ErrorBag

from .. import money
from ..models import Guest, Property, Stay
from .stay_facts import CANCELLED, FACT_CHECKS, FACT_FIELDS, FACT_TEXT_LIMITS, check_facts

# The stay's attribution to key accounts (ids of active accounts).  Like the guest, a row
# without one keeps the stored stay's: a PMS resending a booking rarely knows our ids.
ACCOUNT_FIELDS = ("company_account", "agent_account")
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
    "reserved_room_type",
    "distribution_channel",
    *FACT_FIELDS,
    "exchange_rate",
    "exchange_rate_date",
    *ACCOUNT_FIELDS,
)
DERIVED_FIELDS = ("nights", "total_revenue", "exchange_rate", "exchange_rate_date")
# What a row may carry (the stored columns less the derived ones, plus the key).
ROW_FIELDS = ("property", "confirmation_number") + tuple(f for f in STAY_FIELDS if f not in DERIVED_FIELDS)
REVENUE_FIELDS = ("room_revenue", "fnb_revenue", "other_revenue")
SPECIAL_REQUESTS_MAX = 2_000
TEXT_LIMITS = {
    "room_type": 20,
    "reserved_room_type": 20,
    "room_number": 10,
    "rate_code": 20,
    "distribution_channel": 30,
    "market_segment": 30,
    "country": 3,
    "special_requests": SPECIAL_REQUESTS_MAX,
    **FACT_TEXT_LIMITS,
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
    properties by code, the ids of the active guests the rows name, and the exchange
    rates of the currencies the rows use (read at first use, one query per currency)."""

    properties: dict[str, Property]
    guest_ids: set[int] | None = None
    # Ids of the active accounts the rows name (None: not checked, the caller resolved them).
    account_ids: set[int] | None = None
    # The writer's properties (crm_site.scope); None = every property.
    allowed_property_ids: frozenset[int] | None = None
    rates: money.RateBook = dataclasses.field(default_factory=money.RateBook)
    _today: dict[int, dt.date] = dataclasses.field(default_factory=dict)

    def business_date(self, prop: Property) -> dt.date:
        """The property's today, once per batch."""
        if prop.pk not in self._today:
            self._today[prop.pk] = prop.business_date()
        return self._today[prop.pk]

    @classmethod
    def for_rows(cls, rows: Iterable, *, by=None) -> StayRowContext:
        rows = list(rows)
        guest_ids = set(
            Guest.objects.active().filter(pk__in=_referenced(rows, ("guest",))).values_list("pk", flat=True)
        )
        accounts = _referenced(rows, ACCOUNT_FIELDS)
        account_ids = set(Account.objects.active().filter(pk__in=accounts).values_list("pk", flat=True))
        return cls(
            properties={p.code: p for p in Property.objects.all()},
            guest_ids=guest_ids,
            account_ids=account_ids,
            allowed_property_ids=scope.property_ids(by),
        )


def _referenced(rows: list, fields: tuple[str, ...]) -> set[int]:
    """The ids ``rows`` give in ``fields`` (well-formed ones; the others are refused later)."""
    referenced = set()
    for row in rows:
        for field in fields:
            value = row.get(field) if isinstance(row, Mapping) else None
            value = getattr(value, "pk", value)
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
                referenced.add(value)
            elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
                referenced.add(int(value))
    return referenced


_UNKNOWN_PROPERTY = gettext_lazy("Unknown property code.")
_CONFIRMATION_REQUIRED = gettext_lazy("A confirmation number is required.")
_UNKNOWN_STATUS = gettext_lazy("Unknown status.")
_UNKNOWN_CHANNEL = gettext_lazy("Unknown channel.")
_UNKNOWN_GUEST = gettext_lazy("Unknown guest.")
_UNKNOWN_ACCOUNT = gettext_lazy("Unknown account.")
# Computed once: ``TextChoices.values`` rebuilds its list on every access.
_STATUSES = frozenset(Stay.Status.values)
_CHANNELS = frozenset(Stay.Channel.values)
_NOT_SINGLE = (dict, list, tuple, set)


def _property(value, context: StayRowContext, *, field: str) -> Property:
    if isinstance(value, Property):
        found = value
    else:
        code = parsing.as_text(value, field=field, max_length=12, required=True, message=_UNKNOWN_PROPERTY)
        found = context.properties.get(code.upper())
        if found is None:
            raise DomainError(_UNKNOWN_PROPERTY, field=field, code="unknown_property")
    if context.allowed_property_ids is not None and found.pk not in context.allowed_property_ids:
        raise scope.property_refused(field)
    return found


def _guest_id(value, context: StayRowContext, *, field: str) -> int | None:
    value = getattr(value, "pk", value)
    if value is None or value == "":
        return None
    try:
        guest_id = parsing.as_id(value, field=field)
    except DomainError:
        raise DomainError(_UNKNOWN_GUEST, field=field, code="unknown_guest") from None
    if context.guest_ids is not None and guest_id not in context.guest_ids:
        raise DomainError(_UNKNOWN_GUEST, field=field, code="unknown_guest")
    return guest_id


def _account_id(value, context: StayRowContext, *, field: str) -> int | None:
    value = getattr(value, "pk", value)
    if value is None or value == "":
        return None
    try:
        account_id = parsing.as_id(value, field=field)
    except DomainError:
        raise DomainError(_UNKNOWN_ACCOUNT, field=field, code="unknown_account") from None
    if context.account_ids is not None and account_id not in context.account_ids:
        raise DomainError(_UNKNOWN_ACCOUNT, field=field, code="unknown_account")
    return account_id


def _currency(value, *, field: str) -> str:
    currency = parsing.as_text(value, field=field, max_length=3).upper()
    if not currency:
        return ""  # the property's currency, once the property is known
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise DomainError(_("Use a 3-letter ISO currency code."), field=field, code="invalid_currency")
    return currency


def _adults(value, *, field: str) -> int:
    return parsing.as_int(value, field=field, minimum=0, maximum=MAX_PARTY, default=1)


def _children(value, *, field: str) -> int:
    return parsing.as_int(value, field=field, minimum=0, maximum=MAX_PARTY, default=0)


def _text(limit: int, **options):
    def check(value, *, field: str) -> str:
        return parsing.as_text(value, field=field, max_length=limit, **options)

    return check


def _choice(choices, default: str, message):
    def check(value, *, field: str) -> str:
        return parsing.as_choice(value, field=field, choices=choices, default=default, message=message)

    return check


def _money(value, *, field: str):
    return parsing.as_money(value, field=field, allow_negative=True)


def _date(value, *, field: str):
    return parsing.as_date(value, field=field)


def _datetime(value, *, field: str):
    return parsing.as_datetime(value, field=field)


# Each input field and its check: one rule per field, the same for every source.
_CHECKS = (
    ("confirmation_number", _text(40, required=True, message=_CONFIRMATION_REQUIRED)),
    ("arrival_date", _date),
    ("departure_date", _date),
    ("status", _choice(_STATUSES, Stay.Status.RESERVED, _UNKNOWN_STATUS)),
    ("channel", _choice(_CHANNELS, Stay.Channel.DIRECT, _UNKNOWN_CHANNEL)),
    ("adults", _adults),
    ("children", _children),
    ("currency", _currency),
    ("check_in_at", _datetime),
    ("check_out_at", _datetime),
    *((f, _money) for f in REVENUE_FIELDS),
    *((f, _text(limit)) for f, limit in TEXT_LIMITS.items()),
    *FACT_CHECKS,
)


def _shape_errors(row, bag: ErrorBag) -> None:
    """A row is an object of single values."""
    if not isinstance(row, Mapping):
        bag.add(DomainError(_("Send each stay as an object."), field="stays", code="invalid"))
        return
    for field, value in row.items():
        if isinstance(value, _NOT_SINGLE):
            bag.add(DomainError(_("Send a single value (text, number or null)."), field=str(field), code="invalid"))


def _check_dates(values: dict, errors: ErrorBag) -> None:
    arrival, departure = values.get("arrival_date"), values.get("departure_date")
    if arrival is None or departure is None:
        return
    if departure < arrival:
        errors.add(DomainError(_("Departure cannot be before arrival."), field="departure_date", code="before_arrival"))
    elif (departure - arrival).days > MAX_NIGHTS:
        errors.add(DomainError(_("A stay cannot be longer than a year."), field="departure_date", code="too_long"))


def stay_row_fill(row: Mapping, stored: Mapping) -> dict:
    """``row`` completed with a stored stay's values (``stored``: field → value) for the
    fields it does not carry: a PATCH, a file without some columns.  Booking date and lead
    time are one fact: a row giving either replaces both, otherwise the lead time follows
    the (maybe new) arrival date.  A stored cancellation date stays only with a booking
    that stays cancelled."""
    filled = {f: stored[f] for f in ROW_FIELDS if f in stored and f not in row}
    filled.update(row)
    if "booking_date" in row or "lead_time_days" in row:
        for name in ("booking_date", "lead_time_days"):
            if name not in row:
                filled.pop(name, None)
    else:
        filled.pop("lead_time_days", None)
    if "cancelled_on" not in row and filled.get("status") not in CANCELLED:
        filled.pop("cancelled_on", None)
    return filled


def stay_row_clean(row: Mapping, *, context: StayRowContext) -> Stay:
    """Validate one row into an unsaved Stay; every invalid field of the row is reported
    at once (``DomainError.many``)."""
    errors = ErrorBag()
    _shape_errors(row, errors)
    errors.raise_if_any()  # the values below cannot be read
    get = row.get
    values = {}
    for field, check in _CHECKS:
        try:
            values[field] = check(get(field), field=field)
        except DomainError as error:
            errors.add(error)
    for field, check in (
        ("property", _property),
        ("guest", _guest_id),
        ("company_account", _account_id),
        ("agent_account", _account_id),
    ):
        try:
            values[field] = check(get(field), context, field=field)
        except DomainError as error:
            errors.add(error)
    _check_dates(values, errors)
    if "arrival_date" in values and "departure_date" in values and "departure_date" not in errors.fields:
        check_facts(values, errors)
    conversion = _conversion(values, context, errors)
    errors.raise_if_any()
    for name in ("guest", *ACCOUNT_FIELDS):
        values[f"{name}_id"] = values.pop(name)
    revenue = values["room_revenue"] + values["fnb_revenue"] + values["other_revenue"]
    return Stay(
        nights=(values["departure_date"] - values["arrival_date"]).days,
        total_revenue=money.convert(revenue, conversion.rate),
        exchange_rate=conversion.rate,
        exchange_rate_date=conversion.rate_date,
        **values,
    )


def _conversion(values: dict, context: StayRowContext, errors: ErrorBag) -> money.Conversion | None:
    """The rate for the stay's conversion date (``guests.money``); a currency without any
    rate, or without one on or before that date, is an error naming ``currency``."""
    prop, currency = values.get("property"), values.get("currency")
    if currency is None:
        return None  # invalid, already reported
    if prop is not None:
        currency = values["currency"] = currency or prop.currency
    if not currency:
        return None
    if not context.rates.has_rates(currency):
        message = _("No exchange rate is configured for %(currency)s.") % {"currency": currency}
        errors.add(DomainError(message, field="currency", code="unknown_currency"))
        return None
    arrival, departure = values.get("arrival_date"), values.get("departure_date")
    if prop is None or arrival is None or departure is None:
        return None
    day = money.conversion_date(arrival=arrival, departure=departure, today=context.business_date(prop))
    conversion = context.rates.on(currency, day)
    if conversion is None:
        message = _("No exchange rate for %(currency)s on or before %(day)s.") % {
            "currency": currency,
            "day": day.isoformat(),
        }
        errors.add(DomainError(message, field="currency", code="no_rate"))
    return conversion


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
