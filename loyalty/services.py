"""Writes and business rules of the loyalty programme.

Every write that moves points follows one pattern: validate, open a transaction, lock
the membership row (``select_for_update``), check the balance on the locked row, append
one ledger row and update the cached balance in the same transaction.  Two redemptions
racing for the same points therefore run one after the other: the second sees the
first's balance and is refused.  A ledger row is never edited: a stay corrected after
posting is compensated by a new row.

Every ledger row has a unique idempotency key.  Posting the same key again returns the
row already written; the same key with a different request is refused (409).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError, NotFound
from guests import money
from guests.models import Guest, Property, Stay

from . import conf, numbers
from .defaults import seed_default_tiers
from .models import (
    Membership,
    MissingPointsClaim,
    PointsTransaction,
    Redemption,
    Reward,
    StayCredit,
    Tier,
    TierChange,
)

logger = logging.getLogger(__name__)

Kind = PointsTransaction.Kind
# Sanity bound on one manual movement: catches a mistyped amount before it reaches the
# ledger (and keeps values far inside the database integer range).
MAX_POINTS_PER_TRANSACTION = 10_000_000
MAX_KEY_LENGTH = 150
CENT = Decimal("0.01")


# --- Input checks ---------------------------------------------------------------------------


def _as_points(value, *, field: str = "points", allow_negative: bool = False) -> int:
    if isinstance(value, bool):
        raise DomainError(_("Enter a whole number of points."), field=field)
    try:
        points = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number of points."), field=field) from None
    if points == 0 or (points < 0 and not allow_negative):
        raise DomainError(
            _("Enter a number of points other than zero.")
            if allow_negative
            else _("Enter a positive number of points."),
            field=field,
        )
    if abs(points) > MAX_POINTS_PER_TRANSACTION:
        raise DomainError(
            _("At most %(max)s points in one transaction.") % {"max": number_format(MAX_POINTS_PER_TRANSACTION)},
            field=field,
        )
    return points


def _as_reason(value) -> str:
    reason = str(value or "").strip()
    if not reason:
        raise DomainError(_("Give a reason: it is kept in the ledger."), field="reason")
    if len(reason) > 255:
        raise DomainError(_("At most 255 characters."), field="reason")
    return reason


def _as_key(value) -> str:
    key = str(value or "").strip()
    if not key:
        raise DomainError(_("An idempotency key is required."), field="idempotency_key")
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            _("An idempotency key is at most %(n)d characters.") % {"n": MAX_KEY_LENGTH}, field="idempotency_key"
        )
    return key


def _fingerprint(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _money(amount: Decimal) -> str:
    return number_format(amount, decimal_pos=2, force_grouping=True)


# --- Ledger core ----------------------------------------------------------------------------


def _existing(key: str, fingerprint: str) -> PointsTransaction | None:
    """The row already written under ``key`` if this is a retry; 409 if the key was used
    for something else."""
    txn = PointsTransaction.objects.filter(idempotency_key=key).first()
    if txn is not None and txn.fingerprint != fingerprint:
        raise ConflictError(
            _("This idempotency key was already used for a different transaction."), field="idempotency_key"
        )
    return txn


def _lock(membership_id: int) -> Membership:
    try:
        return Membership.objects.select_for_update(of=("self",)).select_related("tier").get(pk=membership_id)
    except Membership.DoesNotExist:
        raise NotFound(_("Membership not found."), field="membership") from None


def _ledger_row(
    membership: Membership,
    *,
    kind: str,
    points: int,
    reason: str,
    key: str,
    fingerprint: str,
    by=None,
    stay: Stay | None = None,
    effective_on: dt.date | None = None,
) -> PointsTransaction:
    """One ledger row, in memory, moving ``membership.points_balance`` (the locked row)."""
    new_balance = membership.points_balance + points
    if new_balance < 0:
        raise DomainError(
            _("Not enough points: the balance is %(balance)s and this needs %(needed)s.")
            % {
                "balance": number_format(membership.points_balance, force_grouping=True),
                "needed": number_format(-points, force_grouping=True),
            },
            field="points",
        )
    membership.points_balance = new_balance
    return PointsTransaction(
        membership=membership,
        kind=kind,
        points=points,
        balance_after=new_balance,
        idempotency_key=key,
        fingerprint=fingerprint,
        reason=reason[:255],
        actor=by if getattr(by, "is_authenticated", False) else None,
        stay=stay,
        effective_on=effective_on or timezone.localdate(),
    )


def _persist(membership: Membership, rows: list[PointsTransaction]) -> None:
    """Write ledger rows and the cached balance they end on, in the caller's transaction."""
    if not rows:
        return
    try:
        PointsTransaction.objects.bulk_create(rows)
    except IntegrityError:
        # A key already used on another membership (we hold this one's lock): the
        # caller's atomic block rolls everything back.
        raise ConflictError(
            _("This idempotency key was already used for a different transaction."), field="idempotency_key"
        ) from None
    Membership.objects.filter(pk=membership.pk).update(points_balance=membership.points_balance)


def _append(membership: Membership, **row) -> PointsTransaction:
    """Append one ledger row for a membership locked by :func:`_lock`."""
    txn = _ledger_row(membership, **row)
    _persist(membership, [txn])
    return txn


def _post(
    *,
    membership: Membership,
    kind: str,
    points: int,
    reason: str,
    idempotency_key: str,
    by=None,
    effective_on: dt.date | None = None,
) -> PointsTransaction:
    fingerprint = _fingerprint(kind=kind, membership=membership.pk, points=points, reason=reason)
    existing = _existing(idempotency_key, fingerprint)
    if existing is not None:
        return existing
    with transaction.atomic():
        locked = _lock(membership.pk)
        existing = _existing(idempotency_key, fingerprint)  # a concurrent retry got there first
        if existing is not None:
            return existing
        return _append(
            locked,
            kind=kind,
            points=points,
            reason=reason,
            key=idempotency_key,
            fingerprint=fingerprint,
            by=by,
            effective_on=effective_on,
        )


# --- Tiers and membership -------------------------------------------------------------------


def base_tier() -> Tier:
    """The lowest tier, which every member holds.  Recreates the launch tiers if the
    table is empty (e.g. a test database flushed after migration)."""
    tier = Tier.objects.order_by("rank").first()
    if tier is None:
        seed_default_tiers(Tier)
        tier = Tier.objects.order_by("rank").first()
    return tier


def tier_update(*, tier: Tier, data: Mapping, by=None) -> Tier:
    """Change a tier's name, thresholds, multiplier or benefits.  Members move to the new
    rules at the next requalification (up at once, down only at the year boundary)."""
    allowed = {"name", "qualifying_nights", "qualifying_spend", "earn_multiplier", "benefits"}
    unknown = set(data) - allowed
    if unknown:
        raise DomainError(_("This cannot be changed here."), field=sorted(unknown)[0])
    for field, value in data.items():
        setattr(tier, field, value)
    if not str(tier.name).strip():
        raise DomainError(_("A tier needs a name."), field="name")
    if Decimal(str(tier.earn_multiplier)) <= 0 or Decimal(str(tier.earn_multiplier)) > 10:
        raise DomainError(_("The earn multiplier must be above 0 and at most 10."), field="earn_multiplier")
    if Decimal(str(tier.qualifying_spend)) < 0:
        raise DomainError(_("Qualifying spend cannot be negative."), field="qualifying_spend")
    if int(tier.qualifying_nights) < 0:
        raise DomainError(_("Qualifying nights cannot be negative."), field="qualifying_nights")
    is_base = not Tier.objects.filter(rank__lt=tier.rank).exclude(pk=tier.pk).exists()
    if not is_base and not tier.qualifying_nights and not Decimal(str(tier.qualifying_spend)):
        raise DomainError(
            _("A tier above the base tier needs a nights or a spend threshold."), field="qualifying_nights"
        )
    tier.save()
    return tier


def _survivor(guest: Guest) -> Guest:
    """Follow merges to the profile that is still in use."""
    seen = set()
    while guest.merged_into_id and guest.pk not in seen:
        seen.add(guest.pk)
        guest = Guest.objects.get(pk=guest.merged_into_id)
    return guest


def membership_enrol(*, guest: Guest, by=None, enrolled_on: dt.date | None = None) -> tuple[Membership, bool]:
    """Enrol a guest at the base tier with a new member number.

    Enrolling a member again returns their membership (``created`` False), also when two
    enrolments race: the guest is unique on Membership.
    """
    if guest is None:
        raise DomainError(_("Unknown guest."), field="guest")
    if guest.merged_into_id:
        raise DomainError(_("This profile was merged into another: enrol the surviving profile."), field="guest")
    if guest.is_anonymised:
        raise DomainError(_("This profile was erased and cannot be enrolled."), field="guest")
    existing = Membership.objects.select_related("tier").filter(guest=guest).first()
    if existing is not None:
        return existing, False
    today = timezone.localdate()
    enrolled_on = enrolled_on or today
    if enrolled_on > today:
        raise DomainError(_("The enrolment date cannot be in the future."), field="enrolled_on")
    tier = base_tier()
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(
                        guest=guest,
                        member_number=numbers.new_member_number(),
                        enrolled_on=enrolled_on,
                        enrolled_by=by if getattr(by, "is_authenticated", False) else None,
                        tier=tier,
                        tier_since=enrolled_on,
                        tier_reason=_("Enrolled on %(date)s at the base tier.") % {"date": enrolled_on.isoformat()},
                    )
                    TierChange.objects.create(
                        membership=membership,
                        kind=TierChange.Kind.ENROLMENT,
                        to_tier=tier,
                        effective_on=enrolled_on,
                        reason=membership.tier_reason,
                    )
                    return membership, True
            except IntegrityError:
                existing = Membership.objects.select_related("tier").filter(guest=guest).first()
                if existing is not None:
                    return existing, False
                # Otherwise the random member number was taken: draw another.
    raise ConflictError(_("Could not allocate a member number; please try again."), field="member_number")


# --- Manual movements -----------------------------------------------------------------------


def points_post_compensation(
    *, guest: Guest, points: int, reason: str, idempotency_key: str, by=None
) -> PointsTransaction:
    """Goodwill points (e.g. for a complaint), posted exactly once per idempotency key.

    A guest who is not a member is enrolled at the base tier first.  Repeating the call
    with the same key returns the transaction already posted; the same key for another
    guest or another number of points is refused with ConflictError.
    """
    points = _as_points(points)
    reason = _as_reason(reason)
    key = _as_key(idempotency_key)
    guest = _survivor(guest)
    fingerprint = _fingerprint(kind=Kind.COMPENSATION, guest=guest.pk, points=points)
    existing = _existing(key, fingerprint)
    if existing is not None:
        return existing
    with transaction.atomic():
        membership, _created = membership_enrol(guest=guest, by=by)
        locked = _lock(membership.pk)
        existing = _existing(key, fingerprint)
        if existing is not None:
            return existing
        return _append(
            locked, kind=Kind.COMPENSATION, points=points, reason=reason, key=key, fingerprint=fingerprint, by=by
        )


def points_earn(
    *,
    membership: Membership,
    points: int,
    reason: str,
    idempotency_key: str,
    by=None,
    effective_on: dt.date | None = None,
) -> PointsTransaction:
    """Points earned outside a stay (partner, promotion), posted by an integration.
    ``effective_on`` is the business date of the earn (default today; never future)."""
    if effective_on is not None and effective_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="effective_on")
    return _post(
        membership=membership,
        kind=Kind.EARN,
        points=_as_points(points),
        reason=_as_reason(reason),
        idempotency_key=_as_key(idempotency_key),
        by=by,
        effective_on=effective_on,
    )


def points_spend(
    *, membership: Membership, points: int, reason: str, idempotency_key: str, by=None
) -> PointsTransaction:
    """Redeem points for something outside the catalogue (e.g. towards a bill).  Refused
    if the balance is short; never leaves a negative balance."""
    return _post(
        membership=membership,
        kind=Kind.REDEEM,
        points=-_as_points(points),
        reason=_as_reason(reason),
        idempotency_key=_as_key(idempotency_key),
        by=by,
    )


def points_adjust(
    *, membership: Membership, points: int, reason: str, idempotency_key: str, by=None
) -> PointsTransaction:
    """A chain administrator's correction, up or down; cannot take the balance below zero."""
    return _post(
        membership=membership,
        kind=Kind.ADJUST,
        points=_as_points(points, allow_negative=True),
        reason=_as_reason(reason),
        idempotency_key=_as_key(idempotency_key),
        by=by,
    )


def points_redeem(*, membership: Membership, reward: Reward | None, idempotency_key: str, by=None) -> Redemption:
    """Exchange points for a catalogue reward, with a redemption record.

    The balance is checked on the locked membership row, so two redemptions racing for
    the same points cannot both succeed.
    """
    key = _as_key(idempotency_key)
    if reward is None:
        raise DomainError(_("Unknown reward."), field="reward")
    fingerprint = _fingerprint(kind=Kind.REDEEM, membership=membership.pk, reward=reward.pk)
    existing = _existing(key, fingerprint)
    if existing is not None:
        return existing.redemption
    if not reward.is_active:
        raise DomainError(_("This reward is no longer offered."), field="reward")
    with transaction.atomic():
        locked = _lock(membership.pk)
        existing = _existing(key, fingerprint)
        if existing is not None:
            return existing.redemption
        if reward.min_tier_id and locked.tier.rank < reward.min_tier.rank:
            raise DomainError(
                _("This reward needs the %(tier)s tier or higher.") % {"tier": reward.min_tier.display_name},
                field="reward",
            )
        txn = _append(
            locked,
            kind=Kind.REDEEM,
            points=-reward.points_cost,
            reason=_("Reward: %(reward)s") % {"reward": reward.name},
            key=key,
            fingerprint=fingerprint,
            by=by,
        )
        return Redemption.objects.create(
            membership=locked,
            reward=reward,
            transaction=txn,
            points=reward.points_cost,
            redeemed_by=txn.actor,
            created_at=txn.created_at,
        )


# --- Earning from stays ---------------------------------------------------------------------


@dataclass(frozen=True)
class StayValue:
    nights: int
    eligible_revenue: Decimal
    qualifying_spend: Decimal
    points: int


NOTHING = StayValue(0, Decimal("0"), Decimal("0"), 0)


def eligible_revenue(stay: Stay) -> Decimal:
    """Room and F&B revenue earn; other revenue (parking, taxes, third parties) does not."""
    return max(Decimal("0"), (stay.room_revenue or 0) + (stay.fnb_revenue or 0))


def stay_value(stay: Stay, *, rate: Decimal, multiplier: Decimal) -> StayValue:
    """Points and qualifying activity of a stay: only a checked-out stay counts.

    points = eligible revenue in chain currency × base points per unit × tier multiplier,
    rounded down once at the end.
    """
    if stay.status != Stay.Status.CHECKED_OUT:
        return NOTHING
    revenue = eligible_revenue(stay)
    in_chain_currency = revenue * Decimal(rate)
    points = in_chain_currency * conf.terms().base_points_per_unit * Decimal(multiplier)
    return StayValue(
        nights=stay.nights,
        eligible_revenue=revenue,
        qualifying_spend=in_chain_currency.quantize(CENT, rounding=ROUND_DOWN),
        points=int(points.to_integral_value(rounding=ROUND_DOWN)),
    )


def _stay_label(stay: Stay) -> dict:
    return {"confirmation": stay.confirmation_number, "property": stay.property.code, "nights": stay.nights}


class _Activity:
    """A member's qualifying nights and spend per year (this and last), kept up to date
    in memory while a batch of stays is credited, so upgrades happen at once."""

    def __init__(self, by_year: Mapping[int, tuple[int, Decimal]], as_of: dt.date):
        self.as_of = as_of
        self.by_year = {year: [nights, spend] for year, (nights, spend) in by_year.items()}

    def add(self, day: dt.date, nights: int, spend: Decimal, sign: int = 1) -> None:
        if day > self.as_of or day.year < self.as_of.year - 1:
            return
        entry = self.by_year.setdefault(day.year, [0, Decimal("0")])
        entry[0] += sign * nights
        entry[1] += sign * spend

    def as_mapping(self) -> dict[int, tuple[int, Decimal]]:
        return {year: (nights, spend) for year, (nights, spend) in self.by_year.items()}


class _StayBatch:
    """Ledger rows, credits and tier changes of one member, built in memory under the
    member's lock and written with a few bulk inserts."""

    def __init__(self, membership: Membership, *, tiers: list[Tier], as_of: dt.date, by=None):
        self.membership = membership
        self.tiers = tiers
        self.as_of = as_of
        self.by = by if getattr(by, "is_authenticated", False) else None
        self._activity: _Activity | None = None
        self.rows: list[PointsTransaction] = []
        self.new_credits: list[StayCredit] = []
        self.changed_credits: list[StayCredit] = []
        self.changes: list[TierChange] = []

    @property
    def activity(self) -> _Activity:
        # Read only when something changes: re-posting unchanged stays costs no query.
        if self._activity is None:
            membership = self.membership
            self._activity = _Activity(
                qualifying_activity([membership.pk], as_of=self.as_of).get(membership.pk, {}), self.as_of
            )
        return self._activity

    def row(self, *, kind, points, reason, key, stay, effective_on=None) -> PointsTransaction:
        txn = _ledger_row(
            self.membership,
            kind=kind,
            points=points,
            reason=reason,
            key=key,
            fingerprint=_fingerprint(kind=kind, key=key),
            by=self.by,
            stay=stay,
            effective_on=effective_on,
        )
        self.rows.append(txn)
        return txn

    def credit_new(self, stay: Stay, *, rate: Decimal, credit: StayCredit | None, reason: str | None, claimed: bool):
        """First posting of a stay to this member (or to it after a move): an EARN at the
        member's multiplier of now."""
        multiplier = self.membership.tier.earn_multiplier
        value = stay_value(stay, rate=rate, multiplier=multiplier)
        if credit is None:
            credit = StayCredit(stay=stay, revision=0)
            self.new_credits.append(credit)
        else:
            self.changed_credits.append(credit)
        credit.membership = self.membership
        credit.currency = stay.currency
        credit.exchange_rate = rate
        credit.earn_multiplier = multiplier
        credit.revision += 1
        self._set(credit, stay, value)
        if value.points:
            self.row(
                kind=Kind.EARN,
                points=value.points,
                reason=reason
                or _(
                    "Stay %(confirmation)s at %(property)s, %(nights)d nights: %(amount)s %(currency)s eligible "
                    "× %(multiplier)s (%(tier)s)"
                )
                % {
                    **_stay_label(stay),
                    "amount": _money(value.eligible_revenue),
                    "currency": stay.currency,
                    "multiplier": multiplier,
                    "tier": self.membership.tier.display_name,
                },
                key=f"stay:{stay.pk}:{credit.revision}",
                stay=stay,
                effective_on=timezone.localdate() if claimed else stay.departure_date,
            )
        self._requalify()

    def recredit(self, credit: StayCredit, stay: Stay, value: StayValue, *, reason: str) -> None:
        """A stay already credited changed: one compensating ADJUST for the difference.

        Points of a reversed stay the member has already spent cannot be taken back
        without a negative balance: the shortfall is written off and said so.
        """
        delta = value.points - credit.points
        before = (credit.nights, credit.eligible_revenue, credit.qualifying_spend, credit.departure_date)
        if delta == 0 and before == (value.nights, value.eligible_revenue, value.qualifying_spend, stay.departure_date):
            return
        self.changed_credits.append(credit)
        movement = delta if delta > 0 else max(delta, -self.membership.points_balance)
        if movement != delta:
            reason = _("%(reason)s (%(short)s points already spent written off)") % {
                "reason": reason,
                "short": number_format(movement - delta, force_grouping=True),
            }
            logger.warning("stay %s: %s points of a reversal written off", stay.pk, movement - delta)
        if delta:
            credit.revision += 1
        self._set(credit, stay, value)
        if movement:
            self.row(
                kind=Kind.ADJUST, points=movement, reason=reason, key=f"stay:{stay.pk}:{credit.revision}", stay=stay
            )
        self._requalify()

    def _set(self, credit: StayCredit, stay: Stay, value: StayValue) -> None:
        if credit.pk and credit.membership_id == self.membership.pk:
            self.activity.add(credit.departure_date, credit.nights, credit.qualifying_spend, sign=-1)
        credit.departure_date = stay.departure_date
        credit.nights = value.nights
        credit.eligible_revenue = value.eligible_revenue
        credit.qualifying_spend = value.qualifying_spend
        credit.points = value.points
        self.activity.add(credit.departure_date, credit.nights, credit.qualifying_spend)

    def _requalify(self) -> None:
        decision = decide_tier(
            tiers=self.tiers,
            current=self.membership.tier,
            valid_until=self.membership.tier_valid_until,
            activity=self.activity.as_mapping(),
            as_of=self.as_of,
        )
        if decision is not None:
            self.changes.append(_apply(self.membership, decision, as_of=self.as_of))

    def save(self) -> list[PointsTransaction]:
        StayCredit.objects.bulk_create(self.new_credits)
        StayCredit.objects.bulk_update(
            {id(c): c for c in self.changed_credits if c.pk}.values(),
            [
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
            ],
        )
        _persist(self.membership, self.rows)
        if self.changes:
            TierChange.objects.bulk_create(self.changes)
            self.membership.save(update_fields=["tier", "tier_since", "tier_valid_until", "tier_reason"])
        return self.rows


def _sync_stays(
    stays: list[Stay],
    *,
    by=None,
    claimant: Membership | None = None,
    reason: str | None = None,
    as_of: dt.date | None = None,
    strict: bool = False,
) -> list[PointsTransaction]:
    """Bring the ledger in line with stays (``select_related("property")``); returns the
    new ledger rows.  Runs inside the caller's transaction.

    * first posting of a checked-out stay of a member: EARN at the member's current
      multiplier (stays that ended before enrolment only through a claim);
    * a stay already credited that changed (revenue corrected, cancelled, moved to
      another profile): a compensating ADJUST for the difference, priced at the first
      posting's rate and multiplier — history is never edited;
    * nothing changed: nothing is written, so re-posting never earns twice.

    The members concerned are locked in id order (no deadlock between two batches); each
    member's rows are written with a few bulk inserts.  ``strict`` turns a stay that
    cannot earn (no exchange rate) into a DomainError instead of a logged skip.
    """
    if not stays:
        return []
    as_of = as_of or timezone.localdate()
    guest_ids = {s.guest_id for s in stays if s.guest_id}
    member_of = dict(Membership.objects.filter(guest_id__in=guest_ids).values_list("guest_id", "pk"))
    credits = {c.stay_id: c for c in StayCredit.objects.filter(stay__in=stays)}
    involved = set(member_of.values()) | {c.membership_id for c in credits.values()}
    if claimant is not None:
        involved.add(claimant.pk)
    if not involved:
        return []
    locked = {
        m.pk: m
        for m in Membership.objects.select_for_update(of=("self",))
        .select_related("tier")
        .filter(pk__in=involved)
        .order_by("pk")
    }
    credits = {c.stay_id: c for c in StayCredit.objects.filter(stay__in=stays)}  # re-read under the locks
    tiers = list(Tier.objects.order_by("rank"))
    batches: dict[int, _StayBatch] = {}

    def batch(membership_id: int) -> _StayBatch:
        if membership_id not in batches:
            batches[membership_id] = _StayBatch(locked[membership_id], tiers=tiers, as_of=as_of, by=by)
        return batches[membership_id]

    for stay in sorted(stays, key=lambda s: (s.departure_date, s.pk)):
        credit = credits.get(stay.pk)
        if claimant is not None:
            target = claimant.pk
        elif stay.guest_id is None:
            target = credit.membership_id if credit else None  # credited by a claim: stays with the claimant
        else:
            target = member_of.get(stay.guest_id)
        label = _stay_label(stay)

        if credit is not None and credit.membership_id != target:
            # The stay no longer belongs to the credited member: take the points back there.
            batch(credit.membership_id).recredit(
                credit,
                stay,
                NOTHING,
                reason=_("Stay %(confirmation)s at %(property)s moved to another profile: points taken back") % label,
            )
            if target is None:
                continue
            moved, credit = credit, None
        else:
            moved = None
        if target is None:
            continue
        member = batch(target)
        if credit is not None:
            value = stay_value(stay, rate=credit.exchange_rate, multiplier=credit.earn_multiplier)
            if (value.points, value.nights, value.eligible_revenue, value.qualifying_spend, stay.departure_date) == (
                credit.points,
                credit.nights,
                credit.eligible_revenue,
                credit.qualifying_spend,
                credit.departure_date,
            ):
                continue  # re-posted unchanged: nothing to write
            if stay.status == Stay.Status.CANCELLED:
                text = _("Stay %(confirmation)s at %(property)s cancelled after posting: points taken back") % label
            elif stay.status != Stay.Status.CHECKED_OUT:
                text = _("Stay %(confirmation)s at %(property)s is no longer checked out: points taken back") % label
            else:
                text = _("Stay %(confirmation)s at %(property)s corrected: %(before)s → %(after)s points") % {
                    **label,
                    "before": number_format(credit.points, force_grouping=True),
                    "after": number_format(value.points, force_grouping=True),
                }
            member.recredit(credit, stay, value, reason=text)
            continue
        if stay.status != Stay.Status.CHECKED_OUT:
            continue
        if claimant is None and stay.departure_date < member.membership.enrolled_on:
            continue  # before enrolment: only an approved claim credits it
        rate = money.rate(stay.currency)
        if rate is None:  # guests refuses such stays; a rate removed from settings since
            message = _("No exchange rate for %(currency)s is configured.") % {"currency": stay.currency}
            if strict:
                raise DomainError(message, field="currency")
            logger.warning("loyalty: stay %s not posted: %s", stay.pk, message)
            continue
        member.credit_new(stay, rate=rate, credit=moved, reason=reason, claimed=claimant is not None)

    posted = []
    for membership_id in sorted(batches):
        posted.extend(batches[membership_id].save())
    return posted


def stay_points_sync(*, stay_id: int, by=None, as_of: dt.date | None = None) -> PointsTransaction | None:
    """Keep the ledger in line with one stay after it was created or changed.  Quietly
    does nothing for stays of non-members, stays not checked out and stays that ended
    before enrolment; returns the new ledger row, if any."""
    with transaction.atomic():
        stay = Stay.objects.select_related("property").filter(pk=stay_id).first()
        posted = _sync_stays([stay], by=by, as_of=as_of) if stay else []
        return posted[-1] if posted else None


def points_earn_for_stay(
    *, stay: Stay, membership: Membership | None = None, by=None
) -> tuple[PointsTransaction, bool]:
    """Post the points of a checked-out stay (integrations, the API).

    Returns (transaction, created): re-posting the same stay returns the transaction
    already posted and writes nothing.  A cancelled, no-show or not yet checked-out
    stay, a stay without a member, or one of another guest is refused naming ``stay``.
    """
    if stay is None:
        raise DomainError(_("Unknown stay."), field="stay")
    refusals = {
        Stay.Status.CANCELLED: _("A cancelled stay earns no points."),
        Stay.Status.NO_SHOW: _("A no-show earns no points."),
        Stay.Status.RESERVED: _("Points are posted after check-out."),
        Stay.Status.IN_HOUSE: _("Points are posted after check-out."),
    }
    if stay.status in refusals:
        raise DomainError(refusals[stay.status], field="stay")
    if stay.guest_id is None:
        raise DomainError(_("This stay has no guest profile."), field="stay")
    if membership is not None and membership.guest_id != stay.guest_id:
        raise DomainError(_("This stay belongs to another guest."), field="stay")
    member_id = Membership.objects.filter(guest_id=stay.guest_id).values_list("pk", flat=True).first()
    if member_id is None:
        raise DomainError(_("The guest of this stay is not a member: enrol them first."), field="stay")
    with transaction.atomic():
        stay = Stay.objects.select_related("property").get(pk=stay.pk)
        posted = _sync_stays([stay], by=by, strict=True)
        if posted:
            return posted[-1], True
        previous = PointsTransaction.objects.filter(stay=stay, membership_id=member_id).order_by("-id").first()
        if previous is not None:
            return previous, False
        if not StayCredit.objects.filter(stay=stay).exists():
            raise DomainError(
                _("This stay ended before the guest enrolled: file a missing-points claim instead."), field="stay"
            )
        raise DomainError(_("This stay has no eligible revenue, so it earns no points."), field="stay")


STAY_BATCH = 200


def stays_points_sync(*, stay_ids: Iterable[int], by=None, as_of: dt.date | None = None) -> dict[str, int]:
    """The stays_upserted task (and the demo): sync every stay that can concern the
    programme.  One query narrows the ids (an import carries thousands of stays of
    non-members) to stays of members and stays already credited; they are then posted
    in batches, one transaction and one lock per member per batch."""
    ids = sorted({int(i) for i in stay_ids})
    candidates = list(
        Stay.objects.filter(pk__in=ids)
        .filter(Q(guest__membership__isnull=False, status=Stay.Status.CHECKED_OUT) | Q(loyalty_credit__isnull=False))
        .order_by("guest_id", "pk")  # a member's stays land in the same batch
        .values_list("pk", flat=True)
        .distinct()
    )
    stats = {"stays": len(ids), "candidates": len(candidates), "posted": 0}
    for start in range(0, len(candidates), STAY_BATCH):
        with transaction.atomic():
            stays = list(Stay.objects.select_related("property").filter(pk__in=candidates[start : start + STAY_BATCH]))
            stats["posted"] += len(_sync_stays(stays, by=by, as_of=as_of))
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
    return stays_points_sync(stay_ids=list(ids))


# --- Tier requalification -------------------------------------------------------------------


@dataclass(frozen=True)
class TierDecision:
    kind: str
    tier: Tier
    valid_until: dt.date | None
    year: int | None
    nights: int
    spend: Decimal
    reason: str


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def earned_tier(tiers: list[Tier], *, nights: int, spend) -> Tier:
    """The highest tier a year's activity reaches (the base tier at least)."""
    best = tiers[0]
    for tier in tiers[1:]:
        if tier.qualifies(nights=nights, spend=spend) and tier.rank > best.rank:
            best = tier
    return best


def decide_tier(
    *,
    tiers: list[Tier],
    current: Tier,
    valid_until: dt.date | None,
    activity: Mapping[int, tuple[int, Decimal]],
    as_of: dt.date,
) -> TierDecision | None:
    """The tier rule, as a pure function of the member's activity.

    * Qualifying in a calendar year (nights OR spend) gives the tier until the end of
      the next year; last year's activity counts until the end of this year.
    * Up at once: as soon as this or last year's activity reaches a higher tier.
    * Renewal: reaching the current tier again extends its validity.
    * Down only when the validity has run out, i.e. at the year boundary, with a grace
      rule: at most one tier down per year, never below what last year earned.
    Returns None when nothing changes, so rerunning the same night changes nothing.
    """
    tiers = sorted(tiers, key=lambda t: t.rank)
    base = tiers[0]
    currency = conf.terms().currency
    year = as_of.year
    candidates = []
    for qualifying_year, until in ((year, year_end(year + 1)), (year - 1, year_end(year))):
        nights, spend = activity.get(qualifying_year, (0, Decimal("0")))
        tier = earned_tier(tiers, nights=nights or 0, spend=spend or Decimal("0"))
        if tier.rank > base.rank:
            candidates.append((tier, until, qualifying_year, nights or 0, spend or Decimal("0")))
    best = max(candidates, key=lambda c: (c[0].rank, c[1])) if candidates else None

    def explain(template, tier, until, qualifying_year, nights, spend, **extra):
        return template % {
            "tier": tier.display_name,
            "date": as_of.isoformat(),
            "until": until.isoformat() if until else "—",
            "year": qualifying_year,
            "nights": nights,
            "spend": _money(Decimal(spend)),
            "currency": currency,
            "threshold_nights": tier.qualifying_nights,
            "threshold_spend": _money(tier.qualifying_spend),
            **extra,
        }

    if best is not None and best[0].rank > current.rank:
        tier, until, qualifying_year, nights, spend = best
        reason = explain(
            _(
                "Upgraded to %(tier)s on %(date)s: %(nights)d nights and %(spend)s %(currency)s in %(year)d reach "
                "the %(tier)s threshold (%(threshold_nights)d nights or %(threshold_spend)s %(currency)s). "
                "Valid until %(until)s."
            ),
            *best,
        )
        return TierDecision(TierChange.Kind.UPGRADE, tier, until, qualifying_year, nights, spend, reason)
    if best is not None and best[0].pk == current.pk and (valid_until is None or best[1] > valid_until):
        tier, until, qualifying_year, nights, spend = best
        reason = explain(
            _(
                "Requalified for %(tier)s on %(date)s: %(nights)d nights and %(spend)s %(currency)s in %(year)d "
                "(threshold %(threshold_nights)d nights or %(threshold_spend)s %(currency)s). Valid until %(until)s."
            ),
            *best,
        )
        return TierDecision(TierChange.Kind.RENEWAL, tier, until, qualifying_year, nights, spend, reason)
    if current.rank > base.rank and valid_until is not None and valid_until < as_of:
        below = [t for t in tiers if t.rank < current.rank]
        one_down = below[-1]
        if best is not None and best[0].rank >= one_down.rank:
            tier, until = best[0], best[1]
        else:
            tier, until = one_down, (None if one_down.rank == base.rank else year_end(year))
        nights, spend = activity.get(year - 1, (0, Decimal("0")))
        reason = explain(
            _(
                "%(old)s expired on %(expired)s without requalifying (%(year)d: %(nights)d nights, %(spend)s "
                "%(currency)s). Grace rule: down one tier at most, to %(tier)s, valid until %(until)s."
            ),
            tier,
            until,
            year - 1,
            nights or 0,
            spend or Decimal("0"),
            old=current.display_name,
            expired=valid_until.isoformat(),
        )
        return TierDecision(TierChange.Kind.DOWNGRADE, tier, until, year - 1, nights or 0, spend or 0, reason)
    return None


def qualifying_activity(membership_ids: Iterable[int], *, as_of: dt.date) -> dict[int, dict[int, tuple[int, Decimal]]]:
    """Nights and spend per calendar year (this and last) of each membership, in one query."""
    rows = (
        StayCredit.objects.filter(
            membership_id__in=list(membership_ids),
            departure_date__gte=dt.date(as_of.year - 1, 1, 1),
            departure_date__lte=as_of,
        )
        .annotate(year=ExtractYear("departure_date"))
        .values("membership_id", "year")
        .annotate(nights=Sum("nights"), spend=Sum("qualifying_spend"))
        .order_by()
    )
    result: dict[int, dict[int, tuple[int, Decimal]]] = {}
    for row in rows:
        result.setdefault(row["membership_id"], {})[row["year"]] = (row["nights"] or 0, row["spend"] or Decimal("0"))
    return result


def _apply(membership: Membership, decision: TierDecision, *, as_of: dt.date) -> TierChange:
    change = TierChange(
        membership=membership,
        kind=decision.kind,
        from_tier=membership.tier,
        to_tier=decision.tier,
        effective_on=as_of,
        valid_until=decision.valid_until,
        qualifying_year=decision.year,
        nights=decision.nights,
        spend=decision.spend,
        reason=decision.reason,
    )
    if decision.tier.pk != membership.tier_id:
        membership.tier_since = as_of
    membership.tier = decision.tier
    membership.tier_valid_until = decision.valid_until
    membership.tier_reason = decision.reason
    return change


def _requalify_locked(membership: Membership, *, as_of: dt.date, tiers: list[Tier] | None = None) -> TierChange | None:
    tiers = tiers or list(Tier.objects.order_by("rank"))
    activity = qualifying_activity([membership.pk], as_of=as_of).get(membership.pk, {})
    decision = decide_tier(
        tiers=tiers, current=membership.tier, valid_until=membership.tier_valid_until, activity=activity, as_of=as_of
    )
    if decision is None:
        return None
    change = _apply(membership, decision, as_of=as_of)
    membership.save(update_fields=["tier", "tier_since", "tier_valid_until", "tier_reason"])
    change.save()
    return change


def tier_requalify(*, membership: Membership, as_of: dt.date | None = None) -> TierChange | None:
    """Requalify one member now (see :func:`decide_tier`)."""
    with transaction.atomic():
        return _requalify_locked(_lock(membership.pk), as_of=as_of or timezone.localdate())


def tiers_requalify(*, as_of: dt.date | None = None, batch_size: int = 1000) -> dict[str, int]:
    """The nightly job: requalify every member as of a date.  Idempotent: a rerun for the
    same date finds nothing to change.  Works in batches; per batch one query for the
    activity, and only the members that change are locked and written."""
    as_of = as_of or timezone.localdate()
    tiers = list(Tier.objects.order_by("rank"))
    by_pk = {t.pk: t for t in tiers}
    stats = {"members": 0, "upgrade": 0, "renewal": 0, "downgrade": 0}
    last_pk = 0
    while True:
        batch = list(
            Membership.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "tier_id", "tier_valid_until")[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        stats["members"] += len(batch)
        activity = qualifying_activity([row[0] for row in batch], as_of=as_of)
        changing = [
            pk
            for pk, tier_id, valid_until in batch
            if decide_tier(
                tiers=tiers, current=by_pk[tier_id], valid_until=valid_until, activity=activity.get(pk, {}), as_of=as_of
            )
        ]
        if not changing:
            continue
        with transaction.atomic():
            locked = list(Membership.objects.select_for_update(of=("self",)).filter(pk__in=changing).order_by("pk"))
            fresh = qualifying_activity(changing, as_of=as_of)  # a stay may have posted meanwhile
            changes, members = [], []
            for membership in locked:
                membership.tier = by_pk[membership.tier_id]
                decision = decide_tier(
                    tiers=tiers,
                    current=membership.tier,
                    valid_until=membership.tier_valid_until,
                    activity=fresh.get(membership.pk, {}),
                    as_of=as_of,
                )
                if decision is None:
                    continue
                changes.append(_apply(membership, decision, as_of=as_of))
                members.append(membership)
                stats[decision.kind] += 1
            Membership.objects.bulk_update(members, ["tier", "tier_since", "tier_valid_until", "tier_reason"])
            TierChange.objects.bulk_create(changes)
    return stats


# --- Expiry ---------------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _last_activity(membership_ids) -> dict[int, dt.date]:
    return dict(
        PointsTransaction.objects.filter(membership_id__in=membership_ids)
        .exclude(kind=Kind.EXPIRE)
        .values("membership_id")
        .annotate(last=Max("effective_on"))
        .values_list("membership_id", "last")
        .order_by()
    )


def points_expire(*, as_of: dt.date | None = None) -> dict[str, int]:
    """Expire the whole balance of members without any ledger activity (earning,
    redeeming, adjustments, compensation) for ``LOYALTY_POINTS_EXPIRY_MONTHS`` months.

    Idempotent: the key names the last activity date, and an expired balance is zero.
    """
    as_of = as_of or timezone.localdate()
    months = conf.terms().expiry_months
    cutoff = months_before(as_of, months)
    candidates = list(
        Membership.objects.filter(points_balance__gt=0)
        .annotate(last=Max("transactions__effective_on", filter=~Q(transactions__kind=Kind.EXPIRE)))
        .filter(Q(last__lt=cutoff) | Q(last__isnull=True))
        .values_list("pk", flat=True)
    )
    stats = {"candidates": len(candidates), "expired_members": 0, "expired_points": 0}
    for membership_id in candidates:
        with transaction.atomic():
            membership = _lock(membership_id)
            last = _last_activity([membership_id]).get(membership_id)
            if membership.points_balance <= 0 or (last is not None and last >= cutoff):
                continue  # activity arrived since the candidate query
            points = membership.points_balance
            key = f"expire:{membership_id}:{last.isoformat() if last else 'none'}"
            _append(
                membership,
                kind=Kind.EXPIRE,
                points=-points,
                reason=_("Points expired: no activity since %(date)s (%(months)d months).")
                % {"date": last.isoformat() if last else "—", "months": months},
                key=key,
                fingerprint=_fingerprint(kind=Kind.EXPIRE, membership=membership_id, last=last),
                effective_on=as_of,
            )
            stats["expired_members"] += 1
            stats["expired_points"] += points
    return stats


# --- Missing-points claims ------------------------------------------------------------------


def claim_file(
    *,
    membership: Membership,
    property: Property | None,
    confirmation_number: str,
    note: str = "",
    by=None,
    today: dt.date | None = None,
) -> MissingPointsClaim:
    """Record a member's claim that a stay did not earn, with the date we promise to
    answer by (``LOYALTY_CLAIM_REPLY_DAYS`` days)."""
    if property is None:
        raise DomainError(_("Unknown property."), field="property")
    confirmation = str(confirmation_number or "").strip()
    if not confirmation:
        raise DomainError(_("A confirmation number is required."), field="confirmation_number")
    if len(confirmation) > 40:
        raise DomainError(_("At most 40 characters."), field="confirmation_number")
    stay = Stay.objects.filter(property=property, confirmation_number__iexact=confirmation).first()
    if stay is not None:
        credit = StayCredit.objects.filter(stay=stay, membership=membership).first()
        if credit is not None and credit.points > 0:
            raise DomainError(
                _("This stay already earned %(points)s points.")
                % {"points": number_format(credit.points, force_grouping=True)},
                field="confirmation_number",
            )
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            return MissingPointsClaim.objects.create(
                membership=membership,
                property=property,
                confirmation_number=confirmation,
                stay=stay,
                note=str(note or "").strip(),
                reply_by=today + dt.timedelta(days=conf.terms().claim_reply_days),
                filed_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise ConflictError(_("An open claim for this stay already exists."), field="confirmation_number") from None


def _lock_open_claim(claim_id: int) -> MissingPointsClaim:
    claim = (
        MissingPointsClaim.objects.select_for_update(of=("self",))
        .select_related("membership", "property")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound(_("Claim not found."), field="claim")
    if claim.status != MissingPointsClaim.Status.OPEN:
        raise ConflictError(
            _("This claim was already %(status)s.") % {"status": claim.get_status_display().lower()}, field="status"
        )
    return claim


def claim_approve(
    *, claim: MissingPointsClaim, by=None, points: int | None = None, note: str = ""
) -> MissingPointsClaim:
    """Approve a claim into the ledger.

    If the stay is in the system it is credited by the normal earning rule (a
    checked-out stay of this guest or of no profile); otherwise ``points`` must be
    given and are posted as an EARN tied to the claim.
    """
    with transaction.atomic():
        claim = _lock_open_claim(claim.pk)
        stay = (
            claim.stay
            or Stay.objects.filter(
                property=claim.property, confirmation_number__iexact=claim.confirmation_number
            ).first()
        )
        label = {"id": claim.pk, "confirmation": claim.confirmation_number, "property": claim.property.code}
        reason = _("Missing-points claim #%(id)s approved: stay %(confirmation)s at %(property)s") % label
        if stay is not None:
            if stay.guest_id not in (None, claim.membership.guest_id):
                raise DomainError(
                    _("This stay belongs to another guest profile: merge the profiles first."), field="stay"
                )
            if stay.status != Stay.Status.CHECKED_OUT:
                raise DomainError(
                    _("The stay is %(status)s: only a checked-out stay earns.")
                    % {"status": stay.get_status_display().lower()},
                    field="stay",
                )
            if StayCredit.objects.filter(stay=stay).exists():
                raise DomainError(_("This stay has already been credited."), field="stay")
            stay = Stay.objects.select_related("property").get(pk=stay.pk)
            posted = _sync_stays([stay], by=by, claimant=claim.membership, reason=reason, strict=True)
            if not posted:
                raise DomainError(_("This stay has no eligible revenue, so it earns no points."), field="stay")
            txn = posted[-1]
        else:
            if points in (None, ""):
                raise DomainError(_("The stay is not in the system: enter the points to credit."), field="points")
            txn = _post(
                membership=claim.membership,
                kind=Kind.EARN,
                points=_as_points(points),
                reason=reason,
                idempotency_key=f"claim:{claim.pk}",
                by=by,
            )
        claim.status = MissingPointsClaim.Status.APPROVED
        claim.stay = stay
        claim.transaction = txn
        claim.decision_reason = str(note or "").strip()
        claim.decided_by = by if getattr(by, "is_authenticated", False) else None
        claim.decided_at = timezone.now()
        claim.save()
        return claim


def claim_reject(*, claim: MissingPointsClaim, reason: str, by=None) -> MissingPointsClaim:
    """Reject a claim; the reason is told to the guest and kept."""
    reason = str(reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the rejection."), field="decision_reason")
    with transaction.atomic():
        claim = _lock_open_claim(claim.pk)
        claim.status = MissingPointsClaim.Status.REJECTED
        claim.decision_reason = reason
        claim.decided_by = by if getattr(by, "is_authenticated", False) else None
        claim.decided_at = timezone.now()
        claim.save()
        return claim


# --- Guest merges and erasure (hooks called by the guests app) ------------------------------


def _merge_key_prefix(merged_id: int, survivor_id: int) -> str:
    return f"merge:{merged_id}:{survivor_id}:"


def _transfer(source: Membership, target: Membership, points: int, *, prefix: str, reason: str) -> list[str]:
    """Move points between two locked memberships as a pair of ADJUST rows."""
    if points <= 0:
        return []
    sequence = PointsTransaction.objects.filter(idempotency_key__startswith=prefix).count() // 2 + 1
    keys = [f"{prefix}{sequence}:out", f"{prefix}{sequence}:in"]
    for membership, signed, key in ((source, -points, keys[0]), (target, points, keys[1])):
        _append(
            membership,
            kind=Kind.ADJUST,
            points=signed,
            reason=reason,
            key=key,
            fingerprint=_fingerprint(kind=Kind.ADJUST, key=key, points=signed),
        )
    return keys


def membership_merge_move(merged_id: int, survivor_id: int) -> dict:
    """MergeHandler.move: the duplicate's loyalty account follows the guest.

    * only the duplicate is a member: the membership moves to the survivor;
    * both are members: the duplicate's balance moves over as a pair of ADJUST rows, its
      stay credits (qualifying activity) and open claims move, the survivor is
      requalified (it can only go up at once);
    * then checked-out stays now on the member's profile that never earned (booked
      under the duplicate) and ended after enrolment are posted: the usual reason for a
      merge is a member who stayed under a second profile.
    """
    accounts = {
        m.guest_id: m
        for m in Membership.objects.select_for_update(of=("self",))
        .select_related("tier")
        .filter(guest_id__in=[merged_id, survivor_id])
        .order_by("pk")
    }
    duplicate, survivor = accounts.get(merged_id), accounts.get(survivor_id)
    if duplicate is None:
        if survivor is None:
            return {}
        return {"posted_stays": _post_uncredited_stays(survivor)}
    if survivor is None:
        Membership.objects.filter(pk=duplicate.pk).update(guest_id=survivor_id)
        duplicate.guest_id = survivor_id
        return {"membership": duplicate.pk, "posted_stays": _post_uncredited_stays(duplicate)}
    prefix = _merge_key_prefix(merged_id, survivor_id)
    points = duplicate.points_balance
    keys = _transfer(
        duplicate,
        survivor,
        points,
        prefix=prefix,
        reason=_("Profiles merged: %(points)s points moved from %(from)s to %(to)s")
        % {
            "points": number_format(points, force_grouping=True),
            "from": duplicate.member_number,
            "to": survivor.member_number,
        },
    )
    credit_ids = list(StayCredit.objects.filter(membership=duplicate).values_list("pk", flat=True))
    StayCredit.objects.filter(pk__in=credit_ids).update(membership=survivor)
    claim_ids = list(
        MissingPointsClaim.objects.filter(membership=duplicate, status=MissingPointsClaim.Status.OPEN).values_list(
            "pk", flat=True
        )
    )
    MissingPointsClaim.objects.filter(pk__in=claim_ids).update(membership=survivor)
    posted = _post_uncredited_stays(survivor)
    _requalify_locked(survivor, as_of=timezone.localdate())
    return {
        "from": duplicate.pk,
        "to": survivor.pk,
        "points": points,
        "keys": keys,
        "stay_credits": credit_ids,
        "claims": claim_ids,
        "posted_stays": posted,
    }


def _post_uncredited_stays(membership: Membership) -> list[int]:
    stays = Stay.objects.filter(
        guest_id=membership.guest_id,
        status=Stay.Status.CHECKED_OUT,
        departure_date__gte=membership.enrolled_on,
        loyalty_credit__isnull=True,
    ).select_related("property")
    return [txn.stay_id for txn in _sync_stays(list(stays))]


def _unpost_stays(membership: Membership, stay_ids: list[int]) -> None:
    """Undo of a merge: take back what the merge posted for the duplicate's stays."""
    credits = StayCredit.objects.filter(stay_id__in=stay_ids, membership=membership).select_related("stay__property")
    batch = _StayBatch(membership, tiers=list(Tier.objects.order_by("rank")), as_of=timezone.localdate())
    for credit in credits:
        batch.recredit(
            credit,
            credit.stay,
            NOTHING,
            reason=_("Merge undone: stay %(confirmation)s at %(property)s goes back to the other profile")
            % _stay_label(credit.stay),
        )
    batch.save()


def membership_merge_restore(moved: dict, merged_id: int, survivor_id: int) -> None:
    """MergeHandler.restore: put back exactly what :func:`membership_merge_move` moved.

    Points the survivor has spent since cannot come back without a negative balance;
    the rest returns, and the ADJUST reason says how much.
    """
    if not moved:
        return
    if "from" not in moved:
        member_id = (
            moved.get("membership")
            or Membership.objects.filter(guest_id=survivor_id).values_list("pk", flat=True).first()
        )
        if member_id is not None:
            _unpost_stays(_lock(member_id), moved.get("posted_stays", []))
        if "membership" in moved:
            Membership.objects.filter(pk=moved["membership"], guest_id=survivor_id).update(guest_id=merged_id)
        return
    locked = {
        m.pk: m
        for m in Membership.objects.select_for_update(of=("self",))
        .filter(pk__in=[moved["from"], moved["to"]])
        .order_by("pk")
    }
    duplicate, survivor = locked[moved["from"]], locked[moved["to"]]
    _unpost_stays(survivor, moved.get("posted_stays", []))
    StayCredit.objects.filter(pk__in=moved.get("stay_credits", []), membership=survivor).update(membership=duplicate)
    MissingPointsClaim.objects.filter(pk__in=moved.get("claims", []), membership=survivor).update(membership=duplicate)
    points = min(int(moved.get("points") or 0), survivor.points_balance)
    _transfer(
        survivor,
        duplicate,
        points,
        prefix=_merge_key_prefix(merged_id, survivor_id),
        reason=_("Merge undone: %(points)s points moved back from %(from)s to %(to)s")
        % {
            "points": number_format(points, force_grouping=True),
            "from": survivor.member_number,
            "to": duplicate.member_number,
        },
    )


def claims_scrub_for_erased_guest(*, guest_id: int) -> int:
    """Right to be forgotten: drop what the guest told us in their claims (free text).
    The ledger keeps amounts and system-written reasons only."""
    return MissingPointsClaim.objects.filter(membership__guest_id=guest_id).exclude(note="").update(note="")
