"""Programme rules that are configuration rather than data (overridable in settings).

Tiers and rewards are data that chain admins edit; these few figures are the
programme's fixed terms, read from settings with a default.  Amounts (qualifying spend,
earning) are in the chain currency, converted with ``guests.money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from guests import money


@dataclass(frozen=True)
class ProgrammeTerms:
    # The chain's reporting currency: thresholds and earning are expressed in it.
    currency: str
    # Base points per unit of chain currency of eligible revenue, before the tier
    # multiplier.
    base_points_per_unit: Decimal
    # All points expire after this many months without any ledger activity.
    expiry_months: int
    # Days the chain promises to answer a missing-points claim in.
    claim_reply_days: int


def terms() -> ProgrammeTerms:
    return ProgrammeTerms(
        currency=money.chain_currency(),
        base_points_per_unit=Decimal(str(getattr(settings, "LOYALTY_BASE_POINTS_PER_UNIT", "10"))),
        expiry_months=int(getattr(settings, "LOYALTY_POINTS_EXPIRY_MONTHS", 24)),
        claim_reply_days=int(getattr(settings, "LOYALTY_CLAIM_REPLY_DAYS", 14)),
    )
