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
    }
    keys = ["amounts" if key == "currency" else key for key in keys]
    return {"currency": chain_currency(), **{key: text[key] for key in keys}}
