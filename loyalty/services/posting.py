"""Posting one member's stays in time order.

A member's stays always earn as if each had arrived on its departure day, whatever order
or batches they really arrive in.  :class:`MemberPosting` collects what a batch changes
for one member (first postings, corrections, stays taken back) and, under the member's
lock, replays the member's timeline from the earliest day touched:

* the tier state on that day comes from the member's tier history (the last change
  before it; the enrolment at the base tier);
* every stay from that day on — the new ones and those already credited — is taken in
  departure order: year boundaries passed first (grace rule, one tier down a year), then
  the stay earns at the multiplier of the tier held that day, then its nights and spend
  may move the member up at once;
* only differences are written: an EARN for a first posting, one compensating ADJUST per
  stay whose points changed (a correction, or a re-pricing because an earlier stay moved
  the member up or down), and the tier changes from the first one that differs (those
  replaced are kept, marked superseded).

Posting stays in date order is the common case: the replay then starts after every
credited stay and writes only the new rows.  A member with no tier history at all (a
membership made outside the services) keeps the tier it has as its starting point and
its credited stays keep the multiplier they were posted at.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from guests.models import Stay

from ..models import Membership, PointsTransaction, StayCredit, Tier, TierChange
from ..rules import NOTHING, RATE_PLACES, StayValue, TierState, Timeline, credit_value, money_text, stay_value
from .ledger import actor, fingerprint, ledger_row, persist
from .requalification import STATE_FIELDS, change_row, set_state, state_of

logger = logging.getLogger(__name__)

Kind = PointsTransaction.Kind
FIRST, CHANGE, TAKE_BACK, KEEP = "first", "change", "take_back", "keep"
CREDIT_FIELDS = [
    "membership",
    "departure_date",
    "nights",
    "eligible_revenue",
    "currency",
    "qualifying_spend",
    "exchange_rate",
    "earn_multiplier",
    "points",
    "revision",
]
PREFETCH_CHUNK = 100


def stay_label(stay: Stay) -> dict:
    return {"confirmation": stay.confirmation_number, "property": stay.property.code, "nights": stay.nights}


@dataclass
class _Event:
    """One stay on the member's timeline."""

    kind: str
    day: dt.date
    stay: Stay
    credit: StayCredit | None = None
    rate: Decimal | None = None
    reason: str | None = None
    claimed: bool = False
    moving_points: int | None = None  # TAKE_BACK of a credit that moves to another member
    moving_key: str | None = None
    # First day of the timeline the event touches (where the stay was, where it is now),
    # fixed when planned: another member's posting may move the credit meanwhile.
    earliest: dt.date | None = None

    def __post_init__(self):
        if self.earliest is None:
            self.earliest = self.day

    @property
    def order(self) -> tuple:
        return (self.day, self.stay.pk)


class MemberPosting:
    """What one batch changes for one member, replayed in date order and written with a
    few bulk inserts (see the module docstring)."""

    def __init__(
        self, membership: Membership, *, tiers: list[Tier], as_of: dt.date, by=None, since: dt.date | None = None
    ):
        self.membership = membership
        self.tiers = tiers
        self.tiers_by_pk = {t.pk: t for t in tiers}
        self.as_of = as_of
        self.by = actor(by)
        self.events: list[_Event] = []
        self.history: list[TierChange] = []
        self.loaded: list[StayCredit] = []
        self.begin: TierState | None = None
        self.legacy = False
        self._start: dt.date | None = since  # replay from this day even without a change
        self.tier_changed = False
        self.rows: list[PointsTransaction] = []
        self.new_credits: list[StayCredit] = []
        self.changed_credits: dict[int, StayCredit] = {}

    # --- What the batch asks for --------------------------------------------------------

    def first(self, stay: Stay, *, rate: Decimal, moved: StayCredit | None, reason: str | None, claimed: bool):
        """First posting of a stay to this member (or to it after a move)."""
        rate = Decimal(rate).quantize(RATE_PLACES)
        self.events.append(
            _Event(FIRST, stay.departure_date, stay, credit=moved, rate=rate, reason=reason, claimed=claimed)
        )

    def change(self, credit: StayCredit, stay: Stay) -> None:
        """A stay credited to this member changed (revenue, dates, status)."""
        earliest = min(stay.departure_date, credit.departure_date)
        self.events.append(_Event(CHANGE, stay.departure_date, stay, credit=credit, earliest=earliest))

    def take_back(self, credit: StayCredit, stay: Stay, *, reason: str, moving: bool) -> None:
        """The stay no longer earns here.  ``moving``: its credit goes to another member
        in the same batch, so only the points are taken back here."""
        event = _Event(TAKE_BACK, credit.departure_date, stay, credit=credit, reason=reason)
        if moving:
            event.moving_points = credit.points
            if credit.points:
                credit.revision += 1
            event.moving_key = f"stay:{stay.pk}:{credit.revision}"
        self.events.append(event)

    @property
    def start(self) -> dt.date:
        return self._start or min(event.earliest for event in self.events)

    # --- Where the member stood on the first day touched --------------------------------

    def prepare(self, history: list[TierChange]) -> dt.date:
        """Take the member's tier history; return the first day whose credits the replay
        needs (activity of the year before the replay starts, or before a pending tier
        expiry)."""
        self.history = history
        self._start = self.start
        self.begin, self.legacy = self._state_before(self.start)
        first_year = self.start.year
        valid_until = self.begin.valid_until
        if valid_until is not None and valid_until < self.start:
            first_year = min(first_year, valid_until.year)
        return dt.date(first_year - 1, 1, 1)

    def _state_before(self, day: dt.date) -> tuple[TierState, bool]:
        if not self.history:
            return state_of(self.membership), True
        enrolment = TierChange.Kind.ENROLMENT
        before = [c for c in self.history if c.effective_on < day or (c.kind == enrolment and c.effective_on <= day)]
        if not before:  # the replay starts before enrolment (a claimed stay): the base tier
            return TierState(self.tiers[0], None, self.membership.enrolled_on), False
        last = before[-1]
        since = next((c.effective_on for c in reversed(before) if c.from_tier_id != c.to_tier_id), last.effective_on)
        return TierState(self.tiers_by_pk[last.to_tier_id], last.valid_until, since, last.reason), False

    # --- Replay and write ---------------------------------------------------------------

    def post(self) -> list[PointsTransaction]:
        start = self.start
        touched = {event.stay.pk for event in self.events}
        activity: dict[int, tuple[int, Decimal]] = {}
        keep = []
        for credit in self.loaded:
            if credit.stay_id in touched:
                continue
            if credit.departure_date < start:
                nights, spend = activity.get(credit.departure_date.year, (0, Decimal("0")))
                activity[credit.departure_date.year] = (nights + credit.nights, spend + credit.qualifying_spend)
            else:
                keep.append(_Event(KEEP, credit.departure_date, credit.stay, credit=credit))
        timeline = Timeline(tiers=self.tiers, state=self.begin, activity=activity)
        events = sorted(self.events + keep, key=lambda e: e.order)
        for event in events:
            timeline.advance_to(event.day)
            value = self._apply(event, timeline)
            if value.nights or value.qualifying_spend:
                timeline.add(event.day, value.nights, value.qualifying_spend)
            timeline.settle(event.day)
        if not events or self.as_of > events[-1].day:
            timeline.advance_to(self.as_of)
            timeline.settle(self.as_of)
        return self._save(timeline, start)

    def _apply(self, event: _Event, timeline: Timeline) -> StayValue:
        if event.kind == FIRST:
            return self._first(event, tier=timeline.state.tier)
        if event.moving_key is not None:
            self._take_back_moving(event)
            return NOTHING
        credit = event.credit
        multiplier = credit.earn_multiplier if self.legacy else timeline.multiplier
        if event.kind == KEEP:
            value = credit_value(credit, multiplier=multiplier)
            reason = self._repriced(event.stay, credit, multiplier, timeline)
            self._recredit(credit, event.stay, value, multiplier=multiplier, reason=reason, effective_on=event.day)
            return value
        if event.kind == CHANGE:
            value = stay_value(event.stay, rate=credit.exchange_rate, multiplier=multiplier)
            reason = self._corrected(event.stay, credit, value)
        else:
            value, reason = NOTHING, event.reason
        self._recredit(credit, event.stay, value, multiplier=multiplier, reason=reason)
        return value

    def _row(self, *, kind: str, points: int, reason: str, key: str, stay: Stay, effective_on=None) -> None:
        self.rows.append(
            ledger_row(
                self.membership,
                kind=kind,
                points=points,
                reason=reason,
                key=key,
                print_=fingerprint(kind=kind, key=key),
                by=self.by,
                stay=stay,
                effective_on=effective_on,
            )
        )

    def _first(self, event: _Event, *, tier: Tier) -> StayValue:
        stay = event.stay
        multiplier = tier.earn_multiplier
        value = stay_value(stay, rate=event.rate, multiplier=multiplier)
        credit = event.credit
        if credit is None:
            credit = StayCredit(stay=stay, revision=0)
            self.new_credits.append(credit)
        else:
            self.changed_credits[id(credit)] = credit
        credit.membership = self.membership
        credit.currency = stay.currency
        credit.exchange_rate = event.rate
        credit.earn_multiplier = multiplier
        credit.revision += 1
        self._set(credit, stay.departure_date, value)
        if value.points:
            reason = event.reason or _(
                "Stay %(confirmation)s at %(property)s, %(nights)d nights: %(amount)s %(currency)s eligible "
                "× %(multiplier)s (%(tier)s)"
            ) % {
                **stay_label(stay),
                "amount": money_text(value.eligible_revenue),
                "currency": stay.currency,
                "multiplier": multiplier,
                "tier": tier.display_name,
            }
            self._row(
                kind=Kind.EARN,
                points=value.points,
                reason=reason,
                key=f"stay:{stay.pk}:{credit.revision}",
                stay=stay,
                effective_on=timezone.localdate() if event.claimed else stay.departure_date,
            )
        return value

    def _take_back_moving(self, event: _Event) -> None:
        delta = -(event.moving_points or 0)
        if delta:
            self._movement(delta, reason=event.reason, key=event.moving_key, stay=event.stay, effective_on=None)

    def _movement(self, delta: int, *, reason: str, key: str, stay: Stay, effective_on) -> None:
        """A compensating ADJUST.  Points of a reversed stay the member has already spent
        cannot be taken back without a negative balance: the shortfall is written off."""
        movement = delta if delta > 0 else max(delta, -self.membership.points_balance)
        if movement != delta:
            reason = _("%(reason)s (%(short)s points already spent written off)") % {
                "reason": reason,
                "short": number_format(movement - delta, force_grouping=True),
            }
            logger.warning("stay %s: %s points of a reversal written off", stay.pk, movement - delta)
        if movement:
            self._row(kind=Kind.ADJUST, points=movement, reason=reason, key=key, stay=stay, effective_on=effective_on)

    def _recredit(self, credit, stay, value: StayValue, *, multiplier, reason: str, effective_on=None) -> None:
        """A credited stay now earns ``value``: one compensating ADJUST for the difference."""
        delta = value.points - credit.points
        departure = stay.departure_date if stay is not None else credit.departure_date
        before = (credit.nights, credit.eligible_revenue, credit.qualifying_spend, credit.departure_date)
        after = (value.nights, value.eligible_revenue, value.qualifying_spend, departure)
        if delta == 0 and before == after and credit.earn_multiplier == multiplier:
            return
        self.changed_credits[id(credit)] = credit
        if delta:
            credit.revision += 1
        credit.earn_multiplier = multiplier
        self._set(credit, departure, value)
        if delta:
            key = f"stay:{credit.stay_id}:{credit.revision}"
            self._movement(delta, reason=reason, key=key, stay=stay, effective_on=effective_on)

    @staticmethod
    def _set(credit: StayCredit, departure: dt.date, value: StayValue) -> None:
        credit.departure_date = departure
        credit.nights = value.nights
        credit.eligible_revenue = value.eligible_revenue
        credit.qualifying_spend = value.qualifying_spend
        credit.points = value.points

    def _repriced(self, stay: Stay, credit: StayCredit, multiplier: Decimal, timeline: Timeline) -> str:
        return _(
            "Stay %(confirmation)s at %(property)s re-priced in date order: %(tier)s × %(multiplier)s on "
            "%(date)s (was × %(before)s)"
        ) % {
            **stay_label(stay),
            "tier": timeline.state.tier.display_name,
            "multiplier": multiplier,
            "date": credit.departure_date.isoformat(),
            "before": credit.earn_multiplier,
        }

    @staticmethod
    def _corrected(stay: Stay, credit: StayCredit, value: StayValue) -> str:
        label = stay_label(stay)
        if stay.status == Stay.Status.CANCELLED:
            return _("Stay %(confirmation)s at %(property)s cancelled after posting: points taken back") % label
        if stay.status != Stay.Status.CHECKED_OUT:
            return _("Stay %(confirmation)s at %(property)s is no longer checked out: points taken back") % label
        return _("Stay %(confirmation)s at %(property)s corrected: %(before)s → %(after)s points") % {
            **label,
            "before": number_format(credit.points, force_grouping=True),
            "after": number_format(value.points, force_grouping=True),
        }

    def _save(self, timeline: Timeline, start: dt.date) -> list[PointsTransaction]:
        StayCredit.objects.bulk_create(self.new_credits)
        StayCredit.objects.bulk_update([c for c in self.changed_credits.values() if c.pk], CREDIT_FIELDS)
        persist(self.membership, self.rows)
        self._save_tier_history(timeline, start)
        if set_state(self.membership, timeline.state):
            self.membership.save(update_fields=STATE_FIELDS)
        return self.rows

    def _save_tier_history(self, timeline: Timeline, start: dt.date) -> None:
        """Keep the recorded changes the replay made again; supersede the rest and add
        the replay's own."""
        recorded = [c for c in self.history if c.kind != TierChange.Kind.ENROLMENT and c.effective_on >= start]
        replayed = timeline.steps
        same = 0
        while same < min(len(recorded), len(replayed)) and _signature(recorded[same]) == replayed[same].signature:
            same += 1
        stale = [c.pk for c in recorded[same:]]
        self.tier_changed = bool(stale or replayed[same:])
        if stale:
            TierChange.objects.filter(pk__in=stale).update(superseded_at=timezone.now())
        TierChange.objects.bulk_create([change_row(self.membership, step) for step in replayed[same:]])


def _signature(change: TierChange) -> tuple:
    return (change.effective_on, change.kind, change.from_tier_id, change.to_tier_id, change.valid_until)


def prepare_postings(postings: list[MemberPosting]) -> None:
    """Load, for all members of a batch at once, their tier history and the credits the
    replay needs (two queries, plus one per hundred members)."""
    postings = [p for p in postings if p.events or p._start]
    if not postings:
        return
    histories: dict[int, list[TierChange]] = defaultdict(list)
    for change in (
        TierChange.objects.current()
        .filter(membership__in=[p.membership.pk for p in postings])
        .order_by("effective_on", "id")
    ):
        histories[change.membership_id].append(change)
    since = {p.membership.pk: p.prepare(histories[p.membership.pk]) for p in postings}
    loaded: dict[int, list[StayCredit]] = defaultdict(list)
    ids = list(since)
    for start in range(0, len(ids), PREFETCH_CHUNK):
        condition = Q()
        for membership_id in ids[start : start + PREFETCH_CHUNK]:
            condition |= Q(membership_id=membership_id, departure_date__gte=since[membership_id])
        for credit in StayCredit.objects.filter(condition).select_related("stay__property"):
            loaded[credit.membership_id].append(credit)
    for posting in postings:
        posting.loaded = loaded[posting.membership.pk]
