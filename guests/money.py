"""Chain reporting currency.

A stay keeps its revenue split (room, F&B, other) in the currency it was billed in;
``Stay.total_revenue`` is the net total converted to the chain's reporting currency, so
spend, segmentation and dashboards add up across hotels in different countries.
Rates are settings (``CHAIN_CURRENCY``, ``EXCHANGE_RATES``: units of chain currency per
unit of the foreign currency), updated by the finance team.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def chain_currency() -> str:
    return settings.CHAIN_CURRENCY


def rate(currency: str) -> Decimal | None:
    currency = (currency or "").upper()
    if currency == settings.CHAIN_CURRENCY:
        return Decimal("1")
    value = settings.EXCHANGE_RATES.get(currency)
    return None if value is None else Decimal(str(value))


def to_chain_currency(amount: Decimal, currency: str) -> Decimal:
    """Convert; raises KeyError for a currency without a configured rate."""
    r = rate(currency)
    if r is None:
        raise KeyError(currency)
    return (amount * r).quantize(Decimal("0.01"))
