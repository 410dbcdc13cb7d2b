"""Earning from stays: the services the stays_upserted task, the API, claims and merges
call to bring the ledger in line with stays.

Which member a stay concerns is decided here; how it earns, in date order, is
:mod:`loyalty.services.posting`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_site.errors import DomainError
from guests.models import Stay

from ..models import Membership, PointsTransaction, StayCredit, Tier
from ..rules import stay_value
from .ledger import lock_members
from .posting import MemberPosting, prepare_postings, stay_label

logger = logging.getLogger(__name__)

# Stays per transaction in stays_points_sync; a member's stays are never split between
# two batches, so one member with more stays makes a larger batch.
STAY_BATCH = 200


def _unchanged(stay: Stay, credit: StayCredit) -> bool:
    """Re-posted as credited: nothing to write."""
    value = stay_value(stay, rate=credit.exchange_rate, multiplier=credit.earn_multiplier)
    return (value.points, value.nights, value.eligible_revenue, value.qualifying_spend, stay.departure_date) == (
        credit.points,
        credit.nights,
        credit.eligible_revenue,
        credit.qualifying_spend,
        credit.departure_date,
    )


class _Batch:
    """The members a list of stays concerns, locked, each with a :class:`MemberPosting`."""

    def __init__(self, stays: list[Stay], *, by, claimant: Membership | None, reason, as_of: dt.date):
        self.by, self.claimant, self.reason, self.as_of = by, claimant, reason, as_of
        guest_ids = {s.guest_id for s in stays if s.guest_id}
        self.member_of = dict(Membership.objects.filter(guest_id__in=guest_ids).values_list("guest_id", "pk"))
        credits = StayCredit.objects.filter(stay__in=stays).values_list("membership_id", flat=True)
        involved = set(self.member_of.values()) | set(credits)
        if claimant is not None:
            involved.add(claimant.pk)
        self.tiers = list(Tier.objects.order_by("rank"))
        by_pk = {t.pk: t for t in self.tiers}
        self.locked = lock_members(involved, tiers=by_pk) if involved else {}
        # Re-read under the locks: a concurrent batch may have credited some meanwhile.
        self.credits = {c.stay_id: c for c in StayCredit.objects.filter(stay__in=stays)} if involved else {}
        unlocked = {c.membership_id for c in self.credits.values()} - set(self.locked)
        if unlocked:  # credited meanwhile to a member this batch did not expect (a merge)
            self.locked.update(lock_members(unlocked, tiers=by_pk))
        self.postings: dict[int, MemberPosting] = {}

    def posting(self, membership_id: int) -> MemberPosting:
        if membership_id not in self.postings:
            self.postings[membership_id] = MemberPosting(
                self.locked[membership_id], tiers=self.tiers, as_of=self.as_of, by=self.by
            )
        return self.postings[membership_id]

    def target(self, stay: Stay, credit: StayCredit | None) -> int | None:
        if self.claimant is not None:
            return self.claimant.pk
        if stay.guest_id is None:
            return credit.membership_id if credit else None  # credited by a claim: stays with the claimant
        return self.member_of.get(stay.guest_id)

    def plan(self, stay: Stay) -> None:
        credit = self.credits.get(stay.pk)
        target = self.target(stay, credit)
        if target not in self.locked:
            target = None  # enrolled after this batch started: the nightly catch-up posts it
        moved = None
        if credit is not None and credit.membership_id != target:
            self.posting(credit.membership_id).take_back(
                credit,
                stay,
                reason=_("Stay %(confirmation)s at %(property)s moved to another profile: points taken back")
                % stay_label(stay),
                moving=target is not None,
            )
            moved, credit = credit, None
        if target is None:
            return
        if credit is not None:
            if not _unchanged(stay, credit):
                self.posting(target).change(credit, stay)
            return
        self._plan_first(stay, target, moved)

    def _plan_first(self, stay: Stay, target: int, moved: StayCredit | None) -> None:
        if stay.status != Stay.Status.CHECKED_OUT:
            return
        if self.claimant is None and stay.departure_date < self.locked[target].enrolled_on:
            return  # before enrolment: only an approved claim credits it
        # The rate the stay's amounts were converted with (guests.money): points follow the
        # chain-currency value the stay reports, whenever they are posted.
        rate = stay.exchange_rate
        self.posting(target).first(stay, rate=rate, moved=moved, reason=self.reason, claimed=self.claimant is not None)

    def post(self) -> list[PointsTransaction]:
        postings = [self.postings[pk] for pk in sorted(self.postings) if self.postings[pk].events]
        prepare_postings(postings)
        rows = []
        for posting in postings:
            rows.extend(posting.post())
        return rows


def sync_stays(
    stays: list[Stay],
    *,
    by=None,
    claimant: Membership | None = None,
    reason: str | None = None,
    as_of: dt.date | None = None,
) -> list[PointsTransaction]:
    """Bring the ledger in line with stays (``select_related("property")``); returns the
    new ledger rows.  Runs inside the caller's transaction.

    * first posting of a checked-out stay of a member: EARN at the multiplier of the tier
      the member held on the departure day (stays that ended before enrolment only
      through a claim);
    * a stay already credited that changed (revenue corrected, cancelled, moved to
      another profile): a compensating ADJUST for the difference — history is never
      edited;
    * nothing changed: nothing is written, so re-posting never earns twice;
    * a stay earlier than stays already credited re-prices those after it, in date order
      (see :mod:`loyalty.services.posting`).

    The members concerned are locked in id order (no deadlock between two batches).
    """
    if not stays:
        return []
    batch = _Batch(stays, by=by, claimant=claimant, reason=reason, as_of=as_of or timezone.localdate())
    if not batch.locked:
        return []
    for stay in sorted(stays, key=lambda s: (s.departure_date, s.pk)):
        batch.plan(stay)
    return batch.post()


def _row_of(rows: list[PointsTransaction], stay: Stay) -> PointsTransaction | None:
    mine = [row for row in rows if row.stay_id == stay.pk]
    return mine[-1] if mine else None


def stay_points_sync(*, stay_id: int, by=None, as_of: dt.date | None = None) -> PointsTransaction | None:
    """Keep the ledger in line with one stay after it was created or changed.  Quietly
    does nothing for stays of non-members, stays not checked out and stays that ended
    before enrolment; returns the stay's new ledger row, if any."""
    with transaction.atomic():
        stay = Stay.objects.select_related("property").filter(pk=stay_id).first()
        return _row_of(sync_stays([stay], by=by, as_of=as_of), stay) if stay else None


_REFUSALS = {
    Stay.Status.CANCELLED: gettext_lazy("A cancelled stay earns no points."),
    Stay.Status.NO_SHOW: gettext_lazy("A no-show earns no points."),
    Stay.Status.RESERVED: gettext_lazy("Points are posted after check-out."),
    Stay.Status.IN_HOUSE: gettext_lazy("Points are posted after check-out."),
}


def _check_earnable(stay: Stay | None, membership: Membership | None) -> int:
    """The member id a stay can earn for, or a DomainError naming ``stay``."""
    if stay is None:
        raise DomainError(_("Unknown stay."), field="stay")
    if stay.status in _REFUSALS:
        raise DomainError(str(_REFUSALS[stay.status]), field="stay")
    if stay.guest_id is None:
        raise DomainError(_("This stay has no guest profile."), field="stay")
    if membership is not None and membership.guest_id != stay.guest_id:
        raise DomainError(_("This stay belongs to another guest."), field="stay")
    member_id = Membership.objects.filter(guest_id=stay.guest_id).values_list("pk", flat=True).first()
    if member_id is None:
        raise DomainError(_("The guest of this stay is not a member: enrol them first."), field="stay")
    return member_id


def points_earn_for_stay(
    *, stay: Stay, membership: Membership | None = None, by=None
) -> tuple[PointsTransaction, bool]:
    """Post the points of a checked-out stay (integrations, the API).

    Returns (transaction, created): re-posting the same stay returns the transaction
    already posted and writes nothing.  A cancelled, no-show or not yet checked-out
    stay, a stay without a member, or one of another guest is refused naming ``stay``.
    """
    member_id = _check_earnable(stay, membership)
    with transaction.atomic():
        stay = Stay.objects.select_related("property").get(pk=stay.pk)
        posted = _row_of(sync_stays([stay], by=by), stay)
        if posted is not None:
            return posted, True
        previous = PointsTransaction.objects.filter(stay=stay, membership_id=member_id).order_by("-id").first()
        if previous is not None:
            return previous, False
        if not StayCredit.objects.filter(stay=stay).exists():
            raise DomainError(
                _("This stay ended before the guest enrolled: file a missing-points claim instead."), field="stay"
            )
        raise DomainError(_("This stay has no eligible revenue, so it earns no points."), field="stay")


def _member_batches(rows: list[tuple[int, int | None]]) -> list[list[int]]:
    """Stay ids in batches of about STAY_BATCH, never splitting one guest's stays."""
    batches, current, last_guest = [], [], object()
    for stay_id, guest_id in rows:
        if len(current) >= STAY_BATCH and guest_id != last_guest:
            batches.append(current)
            current = []
        current.append(stay_id)
        last_guest = guest_id
    if current:
        batches.append(current)
    return batches


def stays_points_sync(*, stay_ids: Iterable[int], by=None, as_of: dt.date | None = None) -> dict[str, int]:
    """The stays_upserted task (and the demo, and an import of a history): sync every
    stay that can concern the programme.  One query narrows the ids (an import carries
    thousands of stays of non-members) to stays of members and stays already credited;
    they are then posted in batches, one transaction and one lock per member per batch,
    each member's stays in one batch and in departure order."""
    ids = sorted({int(i) for i in stay_ids})
    candidates = list(
        Stay.objects.filter(pk__in=ids)
        .filter(Q(guest__membership__isnull=False, status=Stay.Status.CHECKED_OUT) | Q(loyalty_credit__isnull=False))
        .order_by("guest_id", "departure_date", "pk")
        .values_list("pk", "guest_id")
        .distinct()
    )
    stats = {"stays": len(ids), "candidates": len(candidates), "posted": 0}
    for batch in _member_batches(candidates):
        with transaction.atomic():
            stays = list(Stay.objects.select_related("property").filter(pk__in=batch))
            stats["posted"] += len(sync_stays(stays, by=by, as_of=as_of))
    return stats


def stays_points_catch_up(*, as_of: dt.date, days: int = 7) -> dict[str, int]:
    """Post checked-out member stays of the last ``days`` that have no credit yet: a safety
    net for a stays_upserted task lost on the way (broker down), run nightly."""
    since = as_of - dt.timedelta(days=days)
    ids = Stay.objects.filter(
        status=Stay.Status.CHECKED_OUT,
        departure_date__gte=since,
        departure_date__lte=as_of,
        guest__membership__isnull=False,
        loyalty_credit__isnull=True,
    ).values_list("pk", flat=True)
    return stays_points_sync(stay_ids=list(ids), as_of=as_of)


def memberships_replay(
    *, membership_ids: Iterable[int] | None = None, as_of: dt.date | None = None, batch_size: int = 100
) -> dict[str, int]:
    """Re-post members' whole histories in date order, from their enrolment (or their
    earliest credited stay), with the tier rules as they are now; only differences are
    written (compensating ADJUSTs, superseded tier changes).  A repair for ledgers posted
    before stays were kept in time order; a rerun writes nothing."""
    as_of = as_of or timezone.localdate()
    members = Membership.objects.annotate(first_stay=Min("stay_credits__departure_date")).order_by("pk")
    if membership_ids is not None:
        members = members.filter(pk__in=list(membership_ids))
    rows = list(members.values_list("pk", "enrolled_on", "first_stay"))
    tiers = list(Tier.objects.order_by("rank"))
    stats = {"members": len(rows), "changed": 0, "rows": 0}
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        with transaction.atomic():
            locked = lock_members([pk for pk, *_dates in chunk], tiers={t.pk: t for t in tiers})
            postings = [
                MemberPosting(locked[pk], tiers=tiers, as_of=as_of, since=min(d for d in (enrolled, first) if d))
                for pk, enrolled, first in chunk
            ]
            prepare_postings(postings)
            for posting in postings:
                written = posting.post()
                stats["rows"] += len(written)
                stats["changed"] += bool(written) or posting.tier_changed
    return stats
