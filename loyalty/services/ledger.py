"""The points ledger: every movement of points, and the manual ones (earn, spend,
adjust, redeem, compensation).

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

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError, NotFound
from crm_site.parsing import as_of_date, as_points, as_text
from guests.models import Guest, Stay
from guests.services import guest_check_writable

from ..models import Membership, PointsTransaction, Redemption, Reward, Tier
from .membership import membership_enrol, survivor_of

Kind = PointsTransaction.Kind
MAX_KEY_LENGTH = PointsTransaction._meta.get_field("idempotency_key").max_length
MAX_REASON_LENGTH = PointsTransaction._meta.get_field("reason").max_length


# --- Input ----------------------------------------------------------------------------------


def as_reason(value) -> str:
    return as_text(
        value,
        field="reason",
        max_length=MAX_REASON_LENGTH,
        required=True,
        message=_("Give a reason: it is kept in the ledger."),
    )


def as_key(value) -> str:
    return as_text(
        value,
        field="idempotency_key",
        max_length=MAX_KEY_LENGTH,
        required=True,
        message=_("An idempotency key is required."),
    )


def fingerprint(**parts) -> str:
    """Hash of what was asked for, to tell a retry from a reused key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def actor(by):
    return by if getattr(by, "is_authenticated", False) else None


# --- Ledger core ----------------------------------------------------------------------------


def existing_row(key: str, print_: str) -> PointsTransaction | None:
    """The row already written under ``key`` if this is a retry; 409 if the key was used
    for something else."""
    txn = PointsTransaction.objects.filter(idempotency_key=key).first()
    if txn is not None and txn.fingerprint != print_:
        raise ConflictError(
            _("This idempotency key was already used for a different transaction."), field="idempotency_key"
        )
    return txn


def lock_members(membership_ids, *, tiers: dict[int, Tier] | None = None) -> dict[int, Membership]:
    """Lock memberships in id order (no deadlock between two writers), with their tier.

    The lock is taken on the membership row alone: a ``FOR UPDATE`` joined to the tier
    would lose the row when a concurrent writer moved the member to another tier (the
    re-checked join no longer matches), so the tier is attached afterwards.
    """
    locked = list(Membership.objects.select_for_update().filter(pk__in=list(membership_ids)).order_by("pk"))
    tiers = tiers if tiers is not None else Tier.objects.in_bulk({m.tier_id for m in locked})
    for membership in locked:
        membership.tier = tiers[membership.tier_id]
    return {m.pk: m for m in locked}


def lock_member(membership_id: int) -> Membership:
    membership = lock_members([membership_id]).get(membership_id)
    if membership is None:
        raise NotFound(_("Membership not found."), field="membership")
    return membership


def ledger_row(
    membership: Membership,
    *,
    kind: str,
    points: int,
    reason: str,
    key: str,
    print_: str,
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
            code="insufficient_points",
        )
    membership.points_balance = new_balance
    return PointsTransaction(
        membership=membership,
        kind=kind,
        points=points,
        balance_after=new_balance,
        idempotency_key=key,
        fingerprint=print_,
        reason=reason[:MAX_REASON_LENGTH],
        actor=actor(by),
        stay=stay,
        effective_on=effective_on or timezone.localdate(),
    )


def persist(membership: Membership, rows: list[PointsTransaction]) -> None:
    """Write ledger rows and the cached balance they end on, in the caller's transaction."""
    if not rows:
        return
    try:
        with transaction.atomic():
            PointsTransaction.objects.bulk_create(rows)
    except IntegrityError:
        # A key already used on another membership (we hold this one's lock): the
        # caller's atomic block rolls everything back.
        raise ConflictError(
            _("This idempotency key was already used for a different transaction."), field="idempotency_key"
        ) from None
    Membership.objects.filter(pk=membership.pk).update(points_balance=membership.points_balance)


def append(membership: Membership, **row) -> PointsTransaction:
    """Append one ledger row for a membership locked by :func:`lock_member`."""
    txn = ledger_row(membership, **row)
    persist(membership, [txn])
    return txn


def post(
    *,
    membership: Membership,
    kind: str,
    points: int,
    reason: str,
    idempotency_key: str,
    by=None,
    effective_on: dt.date | None = None,
) -> PointsTransaction:
    """One manual movement, idempotent by key (an erased member takes none: 409)."""
    print_ = fingerprint(kind=kind, membership=membership.pk, points=points, reason=reason)
    existing = existing_row(idempotency_key, print_)
    if existing is not None:
        return existing
    guest_check_writable(membership.guest)
    with transaction.atomic():
        locked = lock_member(membership.pk)
        existing = existing_row(idempotency_key, print_)  # a concurrent retry got there first
        if existing is not None:
            return existing
        return append(
            locked,
            kind=kind,
            points=points,
            reason=reason,
            key=idempotency_key,
            print_=print_,
            by=by,
            effective_on=effective_on,
        )


# --- Manual movements -----------------------------------------------------------------------


def points_post_compensation(
    *, guest: Guest, points: int, reason: str, idempotency_key: str, by=None
) -> PointsTransaction:
    """Goodwill points (e.g. for a complaint), posted exactly once per idempotency key.

    A guest who is not a member is enrolled at the base tier first.  Repeating the call
    with the same key returns the transaction already posted; the same key for another
    guest or another number of points is refused with ConflictError.
    """
    points = as_points(points)
    reason = as_reason(reason)
    key = as_key(idempotency_key)
    guest = survivor_of(guest)
    print_ = fingerprint(kind=Kind.COMPENSATION, guest=guest.pk, points=points)
    existing = existing_row(key, print_)
    if existing is not None:
        return existing
    with transaction.atomic():
        membership, _created = membership_enrol(guest=guest, by=by)
        locked = lock_member(membership.pk)
        existing = existing_row(key, print_)
        if existing is not None:
            return existing
        return append(locked, kind=Kind.COMPENSATION, points=points, reason=reason, key=key, print_=print_, by=by)


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
    return post(
        membership=membership,
        kind=Kind.EARN,
        points=as_points(points),
        reason=as_reason(reason),
        idempotency_key=as_key(idempotency_key),
        by=by,
        effective_on=as_of_date(effective_on, field="effective_on"),
    )


def points_spend(
    *, membership: Membership, points: int, reason: str, idempotency_key: str, by=None
) -> PointsTransaction:
    """Redeem points for something outside the catalogue (e.g. towards a bill).  Refused
    if the balance is short; never leaves a negative balance."""
    return post(
        membership=membership,
        kind=Kind.REDEEM,
        points=-as_points(points),
        reason=as_reason(reason),
        idempotency_key=as_key(idempotency_key),
        by=by,
    )


def points_adjust(
    *, membership: Membership, points: int, reason: str, idempotency_key: str, by=None
) -> PointsTransaction:
    """A chain administrator's correction, up or down; cannot take the balance below zero."""
    return post(
        membership=membership,
        kind=Kind.ADJUST,
        points=as_points(points, allow_negative=True),
        reason=as_reason(reason),
        idempotency_key=as_key(idempotency_key),
        by=by,
    )


def points_redeem(*, membership: Membership, reward: Reward | None, idempotency_key: str, by=None) -> Redemption:
    """Exchange points for a catalogue reward, with a redemption record.

    The balance is checked on the locked membership row, so two redemptions racing for
    the same points cannot both succeed.
    """
    key = as_key(idempotency_key)
    if reward is None:
        raise DomainError(_("Unknown reward."), field="reward")
    print_ = fingerprint(kind=Kind.REDEEM, membership=membership.pk, reward=reward.pk)
    existing = existing_row(key, print_)
    if existing is not None:
        return existing.redemption
    if not reward.is_active:
        raise DomainError(_("This reward is no longer offered."), field="reward")
    with transaction.atomic():
        locked = lock_member(membership.pk)
        existing = existing_row(key, print_)
        if existing is not None:
            return existing.redemption
        if reward.min_tier_id and locked.tier.rank < reward.min_tier.rank:
            raise DomainError(
                _("This reward needs the %(tier)s tier or higher.") % {"tier": reward.min_tier.display_name},
                field="reward",
            )
        txn = append(
            locked,
            kind=Kind.REDEEM,
            points=-reward.points_cost,
            reason=_("Reward: %(reward)s") % {"reward": reward.name},
            key=key,
            print_=print_,
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
