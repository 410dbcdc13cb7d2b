"""Demo loyalty data for ``seed_demo``, built through the real services so the demo
ledger obeys the same rules as production:

* about two guests in three are members, enrolled at their first stay;
* every checked-out stay of a member is posted through ``stays_points_sync`` (the
  service of the stays_upserted task) as a history backfill: each member's stays in
  departure order, tiers requalified at every year boundary passed, so the demo ledger
  equals what live posting would have written;
* tiers are requalified and inactive balances expired as of today;
* a reward catalogue, some redemptions by the front desk and a few missing-points
  claims (open, approved, rejected).

Idempotent: members are found by guest, stays are posted by stay key, redemptions and
claims use fixed keys, so a rerun adds nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict

from django.db import transaction
from django.db.models import Count

from crm_site import scope
from crm_site.errors import DomainError
from guests.models import Guest, Stay

from . import services
from .models import Membership, MissingPointsClaim, PointsTransaction, Redemption, Reward, Tier

MEMBER_SHARE = 0.65
LATE_JOINER_SHARE = 0.15
REDEEMING_SHARE = 0.25
CLAIMS = 6

# code, name, description, points, minimum tier code, sort order
REWARDS = [
    ("late-checkout", "Late check-out until 4 pm", "Subject to the hotel's confirmation on the day.", 1500, None, 10),
    ("breakfast-two", "Breakfast for two", "Buffet breakfast at any of our restaurants.", 3000, None, 20),
    ("room-upgrade", "Room upgrade (one category)", "At check-in, when available.", 5000, "silver", 30),
    ("airport-transfer", "Airport transfer", "One way, in a chauffeured car.", 6000, None, 40),
    ("spa-60", "Spa treatment, 60 minutes", "At properties with a spa.", 8000, None, 50),
    ("lounge-day", "Executive lounge day pass", "For two guests.", 4000, "gold", 60),
    ("free-night", "Free night, standard room", "Any property, subject to availability.", 25000, None, 70),
]


# Chinese name and description of each demo reward (Reward.name_zh / description_zh).
REWARDS_ZH = {
    "late-checkout": ("延迟退房至下午4点", "以酒店当天确认为准。"),
    "breakfast-two": ("双人早餐", "可在我们任一餐厅享用自助早餐。"),
    "room-upgrade": ("客房升级（一个房型）", "入住时视房态而定。"),
    "airport-transfer": ("机场接送", "单程，专车接送。"),
    "spa-60": ("水疗护理60分钟", "适用于设有水疗中心的酒店。"),
    "lounge-day": ("行政酒廊日通行证", "限两位宾客。"),
    "free-night": ("免费住宿一晚（标准间）", "任一酒店，视房态而定。"),
}


def _rewards() -> list[Reward]:
    tiers = {t.code: t for t in Tier.objects.all()}
    result = []
    for code, name, description, points, min_tier, order in REWARDS:
        reward, _created = Reward.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "points_cost": points,
                "min_tier": tiers.get(min_tier) if min_tier else None,
                "sort_order": order,
            },
        )
        if not reward.name_zh and code in REWARDS_ZH:
            reward.name_zh, reward.description_zh = REWARDS_ZH[code]
            reward.save(update_fields=["name_zh", "description_zh"])
        result.append(reward)
    return result


def enrol_members(rng: random.Random, ctx) -> dict[int, Membership]:
    """Most members joined at their first stay; some only at their second, so their
    first stay earned nothing (material for missing-points claims)."""
    guest_ids = sorted(ctx.guest_ids)
    chosen = [gid for gid in guest_ids if rng.random() < MEMBER_SHARE]
    late_joiners = {gid for gid in chosen if rng.random() < LATE_JOINER_SHARE}
    arrivals: dict[int, list] = defaultdict(list)
    for gid, arrival in (
        Stay.objects.filter(guest_id__in=chosen, arrival_date__lte=ctx.today)
        .order_by("arrival_date")
        .values_list("guest_id", "arrival_date")
    ):
        arrivals[gid].append(arrival)
    existing = {m.guest_id: m for m in Membership.objects.filter(guest_id__in=chosen).select_related("tier")}
    guests = Guest.objects.in_bulk([gid for gid in chosen if gid not in existing])
    enrolled_by = ctx.users.get("desk")
    for gid in chosen:
        if gid in existing:
            continue
        dates = arrivals.get(gid) or [ctx.today]
        enrolled_on = dates[1] if gid in late_joiners and len(dates) > 1 else dates[0]
        existing[gid], _created = services.membership_enrol(guest=guests[gid], by=enrolled_by, enrolled_on=enrolled_on)
    return existing


def member_stay_ids(members) -> list[int]:
    """The members' checked-out stays not posted yet, by departure."""
    return list(
        Stay.objects.filter(guest_id__in=list(members), status=Stay.Status.CHECKED_OUT, loyalty_credit__isnull=True)
        .order_by("departure_date", "id")
        .values_list("pk", flat=True)
    )


def _post_stays(members: dict[int, Membership], ctx) -> int:
    """Post every checked-out stay of the members through the service the stays_upserted
    task uses, as a history backfill: each member's stays are replayed in departure
    order, year boundary by year boundary, so tiers and multipliers are those the
    member would hold had every stay arrived on its day."""
    return services.stays_points_sync(stay_ids=member_stay_ids(members), as_of=ctx.today)["posted"]


def _redeem(members: dict[int, Membership], rewards: list[Reward], ctx) -> int:
    """Some members redeemed a reward or two at the front desk.  Each member's choices
    come from their own random stream.  The step runs once per seed: whether a member can
    afford a reward depends on points posted since, so a rerun would otherwise redeem for
    members who could not afford one the first time."""
    desk = ctx.users.get("desk")
    prefix = f"demo:{ctx.seed}:redeem:"
    if PointsTransaction.objects.filter(idempotency_key__startswith=prefix).exists():
        return 0
    done = 0
    for membership in Membership.objects.filter(pk__in=[m.pk for m in members.values()]).select_related("tier"):
        rng = random.Random(f"loyalty-redeem-{ctx.seed}-{membership.guest_id}")
        if rng.random() >= REDEEMING_SHARE:
            continue
        for n in range(rng.choice([1, 1, 2])):
            affordable = [
                r
                for r in rewards
                if r.points_cost <= membership.points_balance
                and (r.min_tier_id is None or r.min_tier.rank <= membership.tier.rank)
            ]
            if not affordable:
                break
            services.points_redeem(
                membership=membership,
                reward=rng.choice(affordable),
                idempotency_key=f"{prefix}{membership.pk}:{n}",
                by=desk,
            )
            membership.refresh_from_db(fields=["points_balance"])
            done += 1
    return done


def _staff_at(ctx, prop, *usernames):
    """The first of these demo users who works at ``prop`` (crm_site.scope), else None
    (the system)."""
    for name in usernames:
        user = ctx.users.get(name)
        if user is not None and scope.works_at(prop, user):
            return user
    return None


def _claims(rng: random.Random, members: dict[int, Membership], ctx) -> int:
    """A few claims for stays that ended before enrolment (they earned nothing): one in
    three approved (retro credit), one rejected, one left open."""
    if MissingPointsClaim.objects.filter(membership__in=list(members.values())).exists():
        return 0
    pre_enrolment = list(
        Stay.objects.filter(guest_id__in=list(members), status=Stay.Status.CHECKED_OUT, loyalty_credit__isnull=True)
        .select_related("property")
        .order_by("id")[: CLAIMS * 4]
    )
    filed = 0
    for index, stay in enumerate(rng.sample(pre_enrolment, k=min(CLAIMS, len(pre_enrolment)))):
        membership = members[stay.guest_id]
        # A claim belongs to the hotel of the stay: its own desk and guest relations work it.
        relations = _staff_at(ctx, stay.property, "relations", "relations.lis")
        try:
            claim = services.claim_file(
                membership=membership,
                property=stay.property,
                confirmation_number=stay.confirmation_number,
                note="Guest says this stay is missing from their statement.",
                by=_staff_at(ctx, stay.property, "desk", "desk.sha"),
            )
            if index % 3 == 1:
                services.claim_approve(claim=claim, by=relations)
            elif index % 3 == 2:
                services.claim_reject(
                    claim=claim, reason="Booked through a wholesaler rate, which does not earn points.", by=relations
                )
        except DomainError:
            continue
        filed += 1
    return filed


def seed(ctx) -> None:
    rng = random.Random(f"loyalty-{ctx.seed}")
    # One transaction: each service still works in its own savepoint, but SQLite does
    # not sync the file to disk once per member.
    with transaction.atomic():
        rewards = _rewards()
        members = enrol_members(rng, ctx)
        posted = _post_stays(members, ctx)
        tiers = services.tiers_requalify(as_of=ctx.today)
        expired = services.points_expire(as_of=ctx.today)
        redeemed = _redeem(members, rewards, ctx)
        claims = _claims(rng, members, ctx)
    counts = dict(
        Membership.objects.filter(guest_id__in=ctx.guest_ids)
        .values("tier__rank", "tier__code")
        .annotate(n=Count("id"))
        .order_by("tier__rank")
        .values_list("tier__code", "n")
    )
    ctx.log.append(
        "loyalty: %d members (%s), %d stay earnings posted, %d tier changes, %d balances expired, %d redemptions (%d in all), "
        "%d claims"
        % (
            len(members),
            ", ".join(f"{code} {n}" for code, n in counts.items()),
            posted,
            tiers["upgrade"] + tiers["renewal"] + tiers["downgrade"],
            expired["expired_members"],
            redeemed,
            Redemption.objects.filter(membership__guest_id__in=ctx.guest_ids).count(),
            claims,
        )
    )
