"""Demo key accounts (filled in below)."""

from __future__ import annotations

from .models import Account


def ensure_account(*, name: str, level: str, rate_code: str, owner) -> Account:
    """The demo account of this name, created through the service the first time."""
    from . import services

    account = Account.objects.active().filter(name=name).first()
    if account is None:
        account = services.account_create(
            data={
                "name": name,
                "relationship_level": level,
                "rate_code": rate_code,
                "owner": owner,
                "level_reason": "Demo: level agreed at the last annual review.",
            }
        )
    return account
