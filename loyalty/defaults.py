"""The programme as launched: the tiers seeded by migration 0002.

Chain admins change them afterwards (tier rules page, Django admin); these values are
only the starting point.  Names and benefits are marked for translation so the seeded
wording is shown in the agent's language (admin-edited text is shown as typed).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_noop

# code, name, rank, qualifying nights, qualifying spend (chain currency), multiplier,
# benefits (one per line)
DEFAULT_TIERS = [
    (
        "member",
        gettext_noop("Member"),
        0,
        0,
        Decimal("0"),
        Decimal("1.00"),
        gettext_noop("Member rates\nFree Wi-Fi"),
    ),
    (
        "silver",
        gettext_noop("Silver"),
        1,
        10,
        Decimal("10000"),
        Decimal("1.10"),
        gettext_noop("10% bonus points\nLate check-out on request"),
    ),
    (
        "gold",
        gettext_noop("Gold"),
        2,
        25,
        Decimal("30000"),
        Decimal("1.25"),
        gettext_noop("25% bonus points\nRoom upgrade when available\n2 pm late check-out"),
    ),
    (
        "platinum",
        gettext_noop("Platinum"),
        3,
        50,
        Decimal("75000"),
        Decimal("1.50"),
        gettext_noop("50% bonus points\nSuite upgrade when available\nLounge access\n4 pm late check-out"),
    ),
]


def seed_default_tiers(tier_model) -> None:
    """Create the launch tiers that do not exist yet (by code and rank).

    Works with the real models and with a migration's historical ones.
    """
    for code, name, rank, nights, spend, multiplier, benefits in DEFAULT_TIERS:
        if not tier_model.objects.filter(code=code).exists() and not tier_model.objects.filter(rank=rank).exists():
            tier_model.objects.create(
                code=code,
                name=name,
                rank=rank,
                qualifying_nights=nights,
                qualifying_spend=spend,
                earn_multiplier=multiplier,
                benefits=benefits,
            )
