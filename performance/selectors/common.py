"""What every report shares: buckets, rates, the definitions it states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from guests.money import chain_currency

from ..models import StatusClass

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
STAYED = (StatusClass.REALISED, StatusClass.ON_BOOKS)
LOST = (StatusClass.CANCELLED, StatusClass.NO_SHOW)
ZERO = Decimal("0.00")


def bucket_start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    return day


def as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def buckets(start: dt.date, end: dt.date, granularity: str) -> list[dt.date]:
    result, day = [], bucket_start(start, granularity)
    while day <= end:
        result.append(day)
        if granularity == "month":
            day = (day + dt.timedelta(days=32)).replace(day=1)
        else:
            day += dt.timedelta(days=7 if granularity == "week" else 1)
    return result


def rate(part, whole) -> float | None:
    return None if not whole else round(float(part) / float(whole), 6)


def money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def divide(amount, count) -> Decimal | None:
    return None if not count else (Decimal(amount or 0) / Decimal(count)).quantize(Decimal("0.01"))


def change(current, previous) -> float | None:
    """Relative change against last year (None when last year had nothing)."""
    if current is None or not previous:
        return None
    return round((float(current) - float(previous)) / float(previous), 6)


def sums(*fields: str) -> dict:
    return {field: Sum(field) for field in fields}


def definitions(*keys: str) -> dict:
    """The definitions a report states next to its figures, in the viewer's language."""
    text = {
        "amounts": _(
            "Amounts are in the chain's reporting currency, %(currency)s, converted with the rate each stay stored."
        )
        % {"currency": chain_currency()},
        "revenue": _(
            "Revenue is what stays billed (room, F&B, other), realised and on the books; cancelled and "
            "no-show bookings bill nothing and are counted as lost revenue (ADR × nights)."
        ),
        "dates": _(
            "Each night counts on its own date (the hotel's business date): arrival to the day before departure."
        ),
        "adr": _(
            "ADR = room revenue ÷ room nights; RevPAR = room revenue ÷ rooms available; occupancy = room nights ÷ rooms available."
        ),
        "cancellation": _(
            "Cancellation rate (published definition) = cancelled and no-show bookings ÷ all bookings; the split "
            "into cancellations and no-shows is shown beside it."
        ),
        "window": _("Booking window (lead time) = days from the booking date to the arrival date."),
        "period_arrival": _("Bookings are counted in the period of their arrival date."),
        "repeat": _(
            "A repeat guest: the source says so (repeat flag or earlier bookings kept), or the guest has an earlier "
            "realised stay in the chain."
        ),
        "last_year": _("Last year = the same calendar dates one year earlier."),
        **_guest_definitions(),
    }
    keys = ["amounts" if key == "currency" else key for key in keys]
    return {"currency": chain_currency(), **{key: text[key] for key in keys}}


def _guest_definitions() -> dict:
    return {
        "guest_months": _(
            "Guest-level figures count whole calendar months: from the first day of the period's first month to the "
            "last day of its last month. A guest counts once, however many stays they had."
        ),
        "guest_scope": _(
            "A stay counts when it is realised (checked out or in house) and belongs to a guest profile. With a "
            "property, guests are counted by their stays at that hotel; stays elsewhere in the chain count only as "
            "earlier stays."
        ),
        "repeat_rate": _(
            "Repeat rate = guests with a realised stay arriving in the period who had a realised stay in the chain "
            "arriving before their first stay of the period ÷ all guests with a realised stay arriving in the "
            "period. Guests with 2+ stays: at least two realised stays arriving in the period."
        ),
        "conversion": _(
            "First-to-second-stay conversion = guests whose first realised stay in the chain arrived in the month "
            "(at the hotel, with a property) and whose next realised stay arrived at most 365 days after that first "
            "stay's departure ÷ those guests (day 365 converts, day 366 does not)."
        ),
        "maturing": _(
            "A cohort month is maturing until 365 days have passed since the last departure of its first stays, "
            "counted to the report's date (the hotel's business date): it is shown but left out of the headline "
            "conversion rate."
        ),
        "members": _(
            "Members = loyalty members enrolled by the end of the period (profiles not merged away), by their current "
            "tier; active = a realised stay arriving, or points earned, in the 12 months up to the end of the period. "
            "With a property: the members whose first realised stay was at that hotel."
        ),
        "churn": _(
            "Churn rate = churn warnings opened in the period ÷ guests active at its start (a realised stay arriving "
            "in the 12 months before the period, counted as for the repeat rate); with a property, the warnings of "
            "guests whose last stay was there. Outcomes: how the warnings opened in the period stand now — still "
            "open, won back, returned (stayed again), booked again, no longer flagged, or lost."
        ),
        "last_year_months": _("Last year = the same months one year earlier."),
    }
