"""Loyalty in time order: a demo chain's loyalty posted live (each stay on its departure
day, the nightly job on every 1 January), in one history backfill, and in shuffled
batches ends with the same ledger, tiers and multipliers."""

import datetime as dt
import io
import random
from collections import defaultdict
from decimal import Decimal
from unittest.mock import ANY

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


# --- The rules behind it, one case at a time ------------------------------------------------

YEAR = dt.date.today().year - 2
LAST_YEAR = YEAR + 1  # Silver reached then still holds today


def enrolled(on=dt.date(YEAR - 1, 1, 1)):
    from tests.factories import GuestFactory

    return services.membership_enrol(guest=GuestFactory(), enrolled_on=on)[0]


def stay(membership, departure, nights, revenue="100.00"):
    from tests.factories import StayFactory

    return StayFactory(
        guest=membership.guest,
        arrival_date=departure - dt.timedelta(days=nights),
        departure_date=departure,
        room_revenue=Decimal(revenue),
    )


def credits(membership):
    return list(
        StayCredit.objects.filter(membership=membership)
        .order_by("departure_date")
        .values_list("stay_id", "earn_multiplier", "points")
    )


def test_a_stay_that_arrives_late_reprices_the_stays_after_it(tiers):
    membership = enrolled(on=dt.date(LAST_YEAR, 1, 1))
    later = [stay(membership, dt.date(LAST_YEAR, 6, 1), 6), stay(membership, dt.date(LAST_YEAR, 9, 1), 6)]
    services.stays_points_sync(stay_ids=[s.pk for s in later])
    assert [m for _s, m, _p in credits(membership)] == [Decimal("1.00")] * 2  # Silver only after 1 September

    late = stay(membership, dt.date(LAST_YEAR, 3, 1), 5)  # 5 + 6 nights reach Silver on 1 June
    services.stays_points_sync(stay_ids=[late.pk])

    assert [(s, m) for s, m, _p in credits(membership)] == [
        (late.pk, Decimal("1.00")),
        (later[0].pk, Decimal("1.00")),
        (later[1].pk, Decimal("1.10")),
    ]
    reprice = PointsTransaction.objects.get(membership=membership, kind="adjust")
    assert (reprice.stay_id, reprice.points, reprice.effective_on) == (later[1].pk, 100, dt.date(LAST_YEAR, 9, 1))
    assert "re-priced in date order" in reprice.reason
    membership.refresh_from_db()
    assert (membership.tier.code, membership.tier_since) == ("silver", dt.date(LAST_YEAR, 6, 1))
    # The upgrade first recorded on 1 September is kept, marked superseded.
    recorded = membership.tier_changes.exclude(kind="enrolment").order_by("effective_on")
    assert list(recorded.values_list("effective_on", "superseded_at")) == [
        (dt.date(LAST_YEAR, 6, 1), None),
        (dt.date(LAST_YEAR, 9, 1), ANY),
    ]


def test_posting_the_same_late_stay_again_writes_nothing(tiers):
    membership = enrolled()
    stays = [stay(membership, dt.date(YEAR, month, 1), 6) for month in (9, 3, 6)]
    for one in stays:
        services.stays_points_sync(stay_ids=[one.pk])
    rows = PointsTransaction.objects.count()
    changes = TierChange.objects.count()

    services.stays_points_sync(stay_ids=[s.pk for s in stays])

    assert (PointsTransaction.objects.count(), TierChange.objects.count()) == (rows, changes)


def test_one_member_is_never_split_between_batches(tiers, monkeypatch):
    from loyalty.services import earning

    monkeypatch.setattr(earning, "STAY_BATCH", 2)
    members = [enrolled(), enrolled()]
    # Created latest first, so stay ids run against departure order.
    stays = [stay(m, dt.date(YEAR, 12 - i, 1), 5) for m in members for i in range(5)]

    stats = services.stays_points_sync(stay_ids=[s.pk for s in stays])

    assert stats["posted"] == len(stays)
    assert not PointsTransaction.objects.filter(kind="adjust").exists()  # all in date order at once
    for membership in members:
        earned = list(
            PointsTransaction.objects.filter(membership=membership)
            .order_by("id")
            .values_list("effective_on", flat=True)
        )
        assert earned == sorted(earned)


def test_a_year_boundary_inside_a_batch_applies_the_grace_rule(tiers):
    membership = enrolled()
    gold = [stay(membership, dt.date(YEAR - 1, 3, 1), 13), stay(membership, dt.date(YEAR - 1, 5, 1), 13)]
    quiet_year = stay(membership, dt.date(YEAR + 1, 2, 1), 1)

    services.stays_points_sync(stay_ids=[s.pk for s in [*gold, quiet_year]])

    # Silver after the first stay's 13 nights, Gold after the second's, valid to the end
    # of the next year; on the 1 January after that, one tier down (Silver, the grace
    # rule, not straight to Member), and the stay of February earns at Silver.
    assert [m for _s, m, _p in credits(membership)] == [Decimal("1.00"), Decimal("1.10"), Decimal("1.10")]
    steps = list(
        membership.tier_changes.current()
        .exclude(kind="enrolment")
        .order_by("effective_on")
        .values_list("effective_on", "kind", "to_tier__code")
    )
    assert steps[:3] == [
        (dt.date(YEAR - 1, 3, 1), "upgrade", "silver"),
        (dt.date(YEAR - 1, 5, 1), "upgrade", "gold"),
        (dt.date(YEAR + 1, 1, 1), "downgrade", "silver"),
    ]


def test_an_approved_claim_takes_its_stays_place_in_the_timeline(tiers, chain_admin):
    membership = enrolled(on=dt.date(YEAR, 5, 1))
    before_enrolment = stay(membership, dt.date(YEAR, 4, 1), 10)
    after = stay(membership, dt.date(YEAR, 8, 1), 4)
    services.stays_points_sync(stay_ids=[before_enrolment.pk, after.pk])
    assert credits(membership) == [(after.pk, Decimal("1.00"), 1000)]

    claim = services.claim_file(
        membership=membership,
        property=before_enrolment.property,
        confirmation_number=before_enrolment.confirmation_number,
    )
    claim = services.claim_approve(claim=claim, by=chain_admin)

    # The claimed stay earns at the tier held on its day (the base tier); its 10 nights,
    # counted in its year, take the member to Silver before the August stay, which is
    # re-priced.
    assert claim.transaction.stay_id == before_enrolment.pk and claim.transaction.kind == "earn"
    assert credits(membership) == [
        (before_enrolment.pk, Decimal("1.00"), 1000),
        (after.pk, Decimal("1.10"), 1100),
    ]


def test_a_ledger_posted_out_of_order_is_repaired_by_the_replay_command(tiers):
    """What the old posting left (every stay of a backfill at the tier of the day it was
    posted) is put right by replaying the member's history: differences only, once."""
    from django.core.management import call_command

    from loyalty.services import ledger

    membership = enrolled()
    stays = [stay(membership, dt.date(YEAR, 3, 1), 12), stay(membership, dt.date(YEAR, 6, 1), 2)]
    locked = ledger.lock_member(membership.pk)
    for one in stays:  # both credited at the base multiplier, no upgrade recorded
        StayCredit.objects.create(
            stay=one,
            membership=membership,
            departure_date=one.departure_date,
            nights=one.nights,
            eligible_revenue=Decimal("100.00"),
            currency="EUR",
            qualifying_spend=Decimal("100.00"),
            exchange_rate=1,
            earn_multiplier=1,
            points=1000,
            revision=1,
        )
        key = f"stay:{one.pk}:1"
        ledger.append(locked, kind="earn", points=1000, reason="old", key=key, print_=key, stay=one)

    first = services.memberships_replay()
    again = services.memberships_replay()

    assert [m for _s, m, _p in credits(membership)] == [Decimal("1.00"), Decimal("1.10")]
    assert (first["changed"], first["rows"]) == (1, 1) and (again["changed"], again["rows"]) == (0, 0)
    assert PointsTransaction.objects.get(kind="adjust").points == 100
    membership.refresh_from_db()
    assert membership.points_balance == 2100
    history = membership.tier_changes.current().exclude(kind="enrolment").order_by("effective_on")
    assert history.values_list("kind", "to_tier__code", "effective_on")[0] == ("upgrade", "silver", dt.date(YEAR, 3, 1))
    out = io.StringIO()
    call_command("replay_loyalty", stdout=out)
    assert "0 changed" in out.getvalue()
