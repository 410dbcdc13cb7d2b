"""Chain reporting currency and dated exchange rates.

A stay keeps its amounts (revenue split, ADR, lost revenue) in the currency it was billed
in; ``Stay.total_revenue`` and ``Stay.lost_revenue_chain`` are those amounts in the chain's
reporting currency (``CHAIN_CURRENCY``), so spend, segmentation and dashboards add up
across hotels in different countries.

Rates live in ``guests.ExchangeRate``: units of chain currency per unit of a currency,
one per currency per day, each holding from its date until the next one of the currency.
A stay converts at its **conversion date** — its departure date once it has departed,
its arrival date while it lies ahead (at the property's business date) — with the latest
rate on or before that date, and stores the rate and the rate's date it used.  A resend
whose currency, dates and revenue are unchanged keeps the stored rate (so a rate entered
later never moves a stored total); a resend that changes any of them converts again with
the rate for its date (``guests.services.stays``).

``EXCHANGE_RATES`` (the setting) is only the seed: after every ``migrate`` a currency of
the setting that has no rate at all gets the setting's rate from ``SEED_FROM``.  From then
on rates are entered in the admin, the API or with ``import_rates``.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

CENT = Decimal("0.01")
ONE = Decimal("1")
# The setting's rates hold from this date (before any stay a chain still reports on).
SEED_FROM = dt.date(2000, 1, 1)


def chain_currency() -> str:
    return settings.CHAIN_CURRENCY


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` × ``rate`` to the cent, halves away from zero (as PostgreSQL's ``round``,
    which computes the stored lost revenue in chain currency)."""
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def conversion_date(*, arrival: dt.date, departure: dt.date, today: dt.date) -> dt.date:
    """The day a stay's amounts are converted at: its departure once departed, else its
    arrival (a stay ahead, or in house)."""
    return departure if departure <= today else arrival


@dataclass(frozen=True)
class Conversion:
    """The rate a stay converts with and the date of that rate (None for the chain
    currency itself, which needs no rate)."""

    rate: Decimal
    rate_date: dt.date | None


CHAIN_CONVERSION = Conversion(ONE, None)


class RateBook:
    """The rates of the currencies a batch needs, read once per currency (one query for
    each currency other than the chain's, at its first use)."""

    def __init__(self):
        self._dates: dict[str, list[dt.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}

    def _load(self, currency: str) -> None:
        from .models import ExchangeRate

        rows = list(
            ExchangeRate.objects.filter(currency=currency).order_by("valid_from").values_list("valid_from", "rate")
        )
        self._dates[currency] = [day for day, _rate in rows]
        self._rates[currency] = [rate for _day, rate in rows]

    def _known(self, currency: str) -> list[dt.date]:
        if currency not in self._dates:
            self._load(currency)
        return self._dates[currency]

    def has_rates(self, currency: str) -> bool:
        return currency == chain_currency() or bool(self._known(currency))

    def on(self, currency: str, day: dt.date) -> Conversion | None:
        """The latest rate of ``currency`` on or before ``day``; None when there is none."""
        if currency == chain_currency():
            return CHAIN_CONVERSION
        dates = self._known(currency)
        index = bisect_right(dates, day)
        if index == 0:
            return None
        return Conversion(self._rates[currency][index - 1], dates[index - 1])


def rate_on(currency: str, day: dt.date) -> Conversion | None:
    """One look-up (a batch uses a ``RateBook``)."""
    return RateBook().on((currency or "").upper(), day)


def has_rates(currency: str) -> bool:
    """Whether ``currency`` can be converted at all (the chain currency, or any rate)."""
    return RateBook().has_rates((currency or "").upper())


def seed_rates(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate``: a currency of ``EXCHANGE_RATES`` without any rate gets the setting's
    rate from ``SEED_FROM`` (the setting is only the seed; values the start-up checks
    refuse are skipped here)."""
    from .models import ExchangeRate

    chain = chain_currency()
    rates = ExchangeRate.objects.using(using)
    seeded = set(rates.values_list("currency", flat=True).distinct())
    rows = []
    for code, value in (getattr(settings, "EXCHANGE_RATES", None) or {}).items():
        currency = str(code).upper()
        rate = _seed_value(value)
        if currency in seeded or currency == chain or rate is None or len(currency) != 3:
            continue
        rows.append(ExchangeRate(currency=currency, valid_from=SEED_FROM, rate=rate, source="setting"))
    rates.bulk_create(rows, ignore_conflicts=True)


def _seed_value(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        rate = Decimal(str(value)).quantize(Decimal("0.00000001"))
    except (InvalidOperation, ValueError):
        return None
    return rate if rate.is_finite() and rate > 0 else None


def convert_stay(stay, *, rates: RateBook | None = None, today: dt.date | None = None) -> None:
    """Set the conversion of a stay built outside the upsert (demo data, test factories):
    the rate for its conversion date, that rate's date and the total in chain currency.
    Raises ``LookupError`` when its currency has no rate for that date."""
    today = today or stay.property.business_date()
    day = conversion_date(arrival=stay.arrival_date, departure=stay.departure_date, today=today)
    conversion = (rates or RateBook()).on(stay.currency, day)
    if conversion is None:
        raise LookupError(f"no {stay.currency} rate on or before {day}")
    stay.exchange_rate, stay.exchange_rate_date = conversion.rate, conversion.rate_date
    stay.total_revenue = convert(stay.room_revenue + stay.fnb_revenue + stay.other_revenue, conversion.rate)
