"""Tier requalification: the nightly job and the one-member run.

Both walk the member's timeline with :class:`loyalty.rules.Timeline`: every tier expiry
passed since the last run is decided on its own year boundary (down at most one tier a
year, never below what last year earned), then the activity known on ``as_of`` moves the
member up or renews the tier.  A job that did not run for two years therefore lands
where two nightly runs would have.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..models import Membership, Tier, TierChange
from ..rules import TierState, TierStep, Timeline
from ..selectors import qualifying_activity
from .ledger import lock_member, lock_members

STATE_FIELDS = ["tier", "tier_since", "tier_valid_until", "tier_reason"]


def state_of(membership: Membership) -> TierState:
    return TierState(
        tier=membership.tier,
        valid_until=membership.tier_valid_until,
        since=membership.tier_since,
        reason=membership.tier_reason,
    )


def set_state(membership: Membership, state: TierState) -> bool:
    """Put a timeline's end state on the membership (in memory); True if it changed."""
    before = (membership.tier_id, membership.tier_valid_until, membership.tier_since, membership.tier_reason)
    membership.tier = state.tier
    membership.tier_valid_until = state.valid_until
    membership.tier_since = state.since
    membership.tier_reason = state.reason
    return before != (state.tier.pk, state.valid_until, state.since, state.reason)


def change_row(membership: Membership, step: TierStep) -> TierChange:
    decision = step.decision
    return TierChange(
        membership=membership,
        kind=decision.kind,
        from_tier=step.from_tier,
        to_tier=decision.tier,
        effective_on=step.on,
        valid_until=decision.valid_until,
        qualifying_year=decision.year,
        nights=decision.nights,
        spend=decision.spend,
        reason=decision.reason,
    )


def activity_since(as_of: dt.date, valid_until: dt.date | None) -> dt.date:
    """First day whose activity the run needs: last year's, or the year before a tier
    expiry that is still to be passed."""
    year = as_of.year
    if valid_until is not None and valid_until < as_of:
        year = min(year, valid_until.year)
    return dt.date(year - 1, 1, 1)


def _walk(membership: Membership, *, tiers: list[Tier], activity, as_of: dt.date) -> Timeline:
    timeline = Timeline(tiers=tiers, state=state_of(membership), activity=activity)
    timeline.advance_to(as_of)
    timeline.settle(as_of)
    return timeline


def requalify_locked(membership: Membership, *, as_of: dt.date, tiers: list[Tier] | None = None) -> list[TierChange]:
    """Requalify one member locked by the caller; returns the changes written."""
    tiers = tiers or list(Tier.objects.order_by("rank"))
    since = activity_since(as_of, membership.tier_valid_until)
    activity = qualifying_activity([membership.pk], as_of=as_of, since=since).get(membership.pk, {})
    timeline = _walk(membership, tiers=tiers, activity=activity, as_of=as_of)
    if not timeline.steps:
        return []
    set_state(membership, timeline.state)
    membership.save(update_fields=STATE_FIELDS)
    return TierChange.objects.bulk_create([change_row(membership, step) for step in timeline.steps])


def tier_requalify(*, membership: Membership, as_of: dt.date | None = None) -> TierChange | None:
    """Requalify one member now (see :func:`loyalty.rules.decide_tier`); returns the
    last change, if any."""
    with transaction.atomic():
        changes = requalify_locked(lock_member(membership.pk), as_of=as_of or timezone.localdate())
    return changes[-1] if changes else None


def _changing(rows, *, tiers, by_pk, as_of) -> list[int]:
    """Members of a batch whose tier the run changes (read without locks)."""
    since = min(activity_since(as_of, valid_until) for _pk, _tier, valid_until in rows)
    activity = qualifying_activity([row[0] for row in rows], as_of=as_of, since=since)
    changing = []
    for pk, tier_id, valid_until in rows:
        probe = Membership(pk=pk, tier=by_pk[tier_id], tier_valid_until=valid_until, tier_since=as_of)
        if _walk(probe, tiers=tiers, activity=activity.get(pk, {}), as_of=as_of).steps:
            changing.append(pk)
    return changing


def _requalify_batch(changing: list[int], *, tiers, by_pk, as_of, stats) -> None:
    with transaction.atomic():
        locked = lock_members(changing, tiers=by_pk)
        since = min(activity_since(as_of, m.tier_valid_until) for m in locked.values())
        fresh = qualifying_activity(changing, as_of=as_of, since=since)  # a stay may have posted meanwhile
        changes, members = [], []
        for membership in locked.values():
            timeline = _walk(membership, tiers=tiers, activity=fresh.get(membership.pk, {}), as_of=as_of)
            if not timeline.steps:
                continue
            set_state(membership, timeline.state)
            members.append(membership)
            for step in timeline.steps:
                changes.append(change_row(membership, step))
                stats[step.decision.kind] += 1
        Membership.objects.bulk_update(members, STATE_FIELDS)
        TierChange.objects.bulk_create(changes)


def tiers_requalify(*, as_of: dt.date | None = None, batch_size: int = 1000) -> dict[str, int]:
    """The nightly job: requalify every member as of a date.  Idempotent: a rerun for the
    same date finds nothing to change.  Works in batches; per batch one query for the
    activity, and only the members that change are locked and written.  Returns counts:
    members seen, and changes by kind (a member passing two year boundaries counts two)."""
    as_of = as_of or timezone.localdate()
    tiers = list(Tier.objects.order_by("rank"))
    by_pk = {t.pk: t for t in tiers}
    stats = {"members": 0, "upgrade": 0, "renewal": 0, "downgrade": 0}
    last_pk = 0
    while True:
        rows = list(
            Membership.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "tier_id", "tier_valid_until")[:batch_size]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        stats["members"] += len(rows)
        changing = _changing(rows, tiers=tiers, by_pk=by_pk, as_of=as_of)
        if changing:
            _requalify_batch(changing, tiers=tiers, by_pk=by_pk, as_of=as_of, stats=stats)
    return stats
