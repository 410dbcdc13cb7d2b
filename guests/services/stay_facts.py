"""The booking facts of a stay row: what each may hold and how they fit together.

Part of the one stay rule set (``stay_rows``).  Each fact is optional and bounded; the
source's categories (deposit type, customer type, meal plan, agent and company
identifiers) are kept as given, as text.  Booking date and lead time describe one fact:
either may be sent (both must agree), the other is derived from the arrival date.  A
cancellation date belongs to a cancelled or no-show booking, between its booking and
its departure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag

from ..models import Stay

MAX_LEAD_TIME_DAYS = 1_095  # three years ahead; the published dataset's longest is 737
MAX_HISTORY = 999  # previous bookings, cancellations, changes of one booking
MAX_WAITING_DAYS = 1_095
MAX_COUNT = 99  # babies, parking spaces, special requests
MAX_ADR = Decimal("20000000")  # per night, in any currency: × 365 nights still fits an amount
FACT_TEXT_LIMITS = {
    "deposit_type": 20,
    "agent_code": 40,
    "company_code": 40,
    "customer_type": 30,
    "meal_plan": 20,
}
# Stored booking facts, in the order the API shows them.
FACT_FIELDS = (
    "booking_date",
    "lead_time_days",
    "adr",
    "deposit_type",
    "agent_code",
    "company_code",
    "customer_type",
    "meal_plan",
    "babies",
    "previous_cancellations",
    "previous_bookings_not_canceled",
    "booking_changes",
    "days_in_waiting_list",
    "parking_spaces",
    "special_requests_count",
    "is_repeated_guest",
    "cancelled_on",
)
CANCELLED = frozenset({Stay.Status.CANCELLED, Stay.Status.NO_SHOW})


def _optional(check):
    def optional(value, *, field: str):
        return None if value in (None, "") else check(value, field=field)

    return optional


def _count(maximum: int):
    def count(value, *, field: str) -> int:
        return parsing.as_int(value, field=field, minimum=0, maximum=maximum, default=0)

    return count


def _adr(value, *, field: str) -> Decimal:
    # Negative only as the source says (a correction); the dataset has one such row.
    return parsing.as_money(value, field=field, allow_negative=True, maximum=MAX_ADR)


def _lead_time(value, *, field: str) -> int:
    return parsing.as_int(value, field=field, minimum=0, maximum=MAX_LEAD_TIME_DAYS)


def _date(value, *, field: str) -> dt.date:
    return parsing.as_date(value, field=field)


def _flag(value, *, field: str) -> bool:
    return parsing.as_bool(value, field=field)


FACT_CHECKS = (
    ("booking_date", _optional(_date)),
    ("lead_time_days", _optional(_lead_time)),
    ("adr", _optional(_adr)),
    ("babies", _count(MAX_COUNT)),
    ("previous_cancellations", _count(MAX_HISTORY)),
    ("previous_bookings_not_canceled", _count(MAX_HISTORY)),
    ("booking_changes", _count(MAX_HISTORY)),
    ("days_in_waiting_list", _count(MAX_WAITING_DAYS)),
    ("parking_spaces", _count(MAX_COUNT)),
    ("special_requests_count", _count(MAX_COUNT)),
    ("is_repeated_guest", _flag),
    ("cancelled_on", _optional(_date)),
)


def check_facts(values: dict, errors: ErrorBag) -> None:
    """The rules between facts, once the dates are valid: derive the booking date or the
    lead time from the other, and place the cancellation date."""
    _booking(values, errors)
    _cancellation(values, errors)


def _booking(values: dict, errors: ErrorBag) -> None:
    if "booking_date" not in values or "lead_time_days" not in values:
        return  # one of them is invalid, already reported
    arrival, booked, lead = values["arrival_date"], values["booking_date"], values["lead_time_days"]
    if booked is None:
        if lead is not None:
            values["booking_date"] = arrival - dt.timedelta(days=lead)
        return
    days = (arrival - booked).days
    if days < 0:
        errors.add(
            DomainError(_("A stay cannot be booked after its arrival."), field="booking_date", code="after_arrival")
        )
    elif lead is not None and lead != days:
        message = _("The lead time is the days from the booking date to arrival (%(n)d here).") % {"n": days}
        errors.add(DomainError(message, field="lead_time_days", code="lead_time_mismatch"))
    elif days > MAX_LEAD_TIME_DAYS:
        message = _("A stay can be booked at most %(n)d days before arrival.") % {"n": MAX_LEAD_TIME_DAYS}
        errors.add(DomainError(message, field="booking_date", code="too_early"))
    else:
        values["lead_time_days"] = days


def _cancellation(values: dict, errors: ErrorBag) -> None:
    day = values.get("cancelled_on")
    if day is None or "status" not in values:
        return
    booked = values.get("booking_date")
    if values["status"] not in CANCELLED:
        message = _("Only a cancelled or no-show stay has a cancellation date.")
        errors.add(DomainError(message, field="cancelled_on", code="not_cancelled"))
    elif booked is not None and day < booked:
        message = _("A booking cannot be cancelled before it was made.")
        errors.add(DomainError(message, field="cancelled_on", code="before_booking"))
    elif day > values["departure_date"]:
        message = _("A booking cannot be cancelled after its departure.")
        errors.add(DomainError(message, field="cancelled_on", code="after_departure"))
