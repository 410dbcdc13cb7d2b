"""Loyalty in time order: a demo chain's loyalty posted live (each stay on its departure
day, the nightly job on every 1 January), in one history backfill, and in shuffled
batches ends with the same ledger, tiers and multipliers."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from guests import demo as guests_demo
from guests.models import Stay
from loyalty import demo as loyalty_demo
from loyalty import services
from loyalty.models import Membership, PointsTransaction, StayCredit, TierChange

pytestmark = pytest.mark.django_db

DEMO_GUESTS = 120


class _Rollback(Exception):
    pass


def ledger_state() -> dict:
    """Everything posting decides, in comparable form."""
    credits = {
        c.stay_id: (c.membership_id, c.earn_multiplier, c.points, c.nights, c.qualifying_spend)
        for c in StayCredit.objects.all()
    }
    per_stay = dict(
        PointsTransaction.objects.filter(stay__isnull=False)
        .values("stay_id")
        .annotate(total=Sum("points"))
        .values_list("stay_id", "total")
    )
    members = {
        m.pk: (m.tier.code, m.tier_valid_until, m.tier_since, m.points_balance)
        for m in Membership.objects.select_related("tier")
    }
    history = defaultdict(list)
    for change in TierChange.objects.current().select_related("from_tier", "to_tier").order_by("effective_on", "id"):
        history[change.membership_id].append(
            (
                change.effective_on,
                change.kind,
                change.from_tier.code if change.from_tier else None,
                change.to_tier.code,
                change.valid_until,
            )
        )
    rows = defaultdict(list)
    for txn in PointsTransaction.objects.order_by("id"):
        rows[txn.membership_id].append((txn.kind, txn.stay_id, txn.points, txn.effective_on))
    sums = dict(
        PointsTransaction.objects.values("membership_id").annotate(s=Sum("points")).values_list("membership_id", "s")
    )
    assert all(balance == sums.get(pk, 0) for pk, (*_tier, balance) in members.items())
    return {"credits": credits, "per_stay": per_stay, "members": members, "history": dict(history), "rows": dict(rows)}


def replayed(post) -> dict:
    """Run one way of posting, read what it wrote, and roll it back."""
    state = {}
    try:
        with transaction.atomic():
            post()
            state.update(ledger_state())
            raise _Rollback
    except _Rollback:
        pass
    return state


@pytest.fixture
def chain(tiers):
    ctx = guests_demo.seed(guests=DEMO_GUESTS, seed=11)
    members = loyalty_demo.enrol_members(random.Random(f"loyalty-{ctx.seed}"), ctx)
    stays = list(Stay.objects.filter(pk__in=loyalty_demo.member_stay_ids(members)).values_list("pk", "departure_date"))
    return ctx.today, stays


def live(stays, today):
    by_day = defaultdict(list)
    for stay_id, day in stays:
        by_day[day].append(stay_id)
    year = min(by_day).year
    for day in sorted(by_day):
        for new_year in range(year + 1, day.year + 1):
            services.tiers_requalify(as_of=dt.date(new_year, 1, 1))
        year = day.year
        services.stays_points_sync(stay_ids=by_day[day], as_of=day)
    for new_year in range(year + 1, today.year + 1):
        services.tiers_requalify(as_of=dt.date(new_year, 1, 1))
    services.tiers_requalify(as_of=today)


def backfill(stays, today):
    services.stays_points_sync(stay_ids=[stay_id for stay_id, _day in stays], as_of=today)
    services.tiers_requalify(as_of=today)


def shuffled(stays, today, seed):
    rng = random.Random(seed)
    ids = [stay_id for stay_id, _day in stays]
    rng.shuffle(ids)
    while ids:
        size = rng.randint(1, 40)
        services.stays_points_sync(stay_ids=ids[:size], as_of=today)
        ids = ids[size:]
    services.tiers_requalify(as_of=today)


def test_live_backfill_and_shuffled_batches_post_the_same_loyalty(chain):
    today, stays = chain
    assert today == timezone.localdate()

    expected = replayed(lambda: live(stays, today))
    history = [step for steps in expected["history"].values() for step in steps]
    # The chain exercises what order changes: upgrades, multipliers above 1, and
    # downgrades by the grace rule at year boundaries.
    assert {kind for _on, kind, *_rest in history} >= {"upgrade", "downgrade"}
    assert len({multiplier for _m, multiplier, *_rest in expected["credits"].values()}) >= 3
    assert not any(kind == "adjust" for rows in expected["rows"].values() for kind, *_rest in rows)

    assert replayed(lambda: backfill(stays, today)) == expected
    for seed in (1, 2):
        other = replayed(lambda seed=seed: shuffled(stays, today, seed))
        for part in ("credits", "per_stay", "members", "history"):
            assert other[part] == expected[part], part
        assert any(kind == "adjust" for rows in other["rows"].values() for kind, *_rest in rows)
