import datetime as dt

import pytest
from django.db.models import Sum

from loyalty.defaults import seed_default_tiers
from loyalty.models import Membership, PointsTransaction, Tier

from .factories import MembershipFactory


@pytest.fixture
def tiers(db):
    """The launch tiers by code (recreated if a transactional test flushed them)."""
    seed_default_tiers(Tier)
    return {t.code: t for t in Tier.objects.all()}


@pytest.fixture
def member(tiers):
    """``member(tier="gold", guest=...)``: a membership enrolled long ago at a tier."""

    def make(tier="member", **kwargs):
        kwargs.setdefault("tier", tiers[tier])
        if tier != "member":
            kwargs.setdefault("tier_valid_until", dt.date(2099, 12, 31))
        return MembershipFactory(**kwargs)

    return make


def ledger_sum(membership: Membership) -> int:
    return PointsTransaction.objects.filter(membership=membership).aggregate(s=Sum("points"))["s"] or 0


def assert_consistent(membership: Membership) -> None:
    """The cached balance, the last running balance and the ledger sum agree."""
    membership.refresh_from_db()
    last = PointsTransaction.objects.filter(membership=membership).order_by("-id").first()
    assert membership.points_balance == ledger_sum(membership)
    assert membership.points_balance == (last.balance_after if last else 0)
    assert membership.points_balance >= 0
