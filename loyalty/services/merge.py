"""Guest merges and their undo (``MergeHandler`` hooks called by the guests app)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from guests.models import Stay

from ..models import Membership, MissingPointsClaim, PointsTransaction, StayCredit, Tier
from .earning import sync_stays
from .ledger import append, fingerprint, lock_member, lock_members
from .posting import MemberPosting, prepare_postings, stay_label
from .requalification import requalify_locked

Kind = PointsTransaction.Kind


def _merge_key_prefix(merged_id: int, survivor_id: int) -> str:
    return f"merge:{merged_id}:{survivor_id}:"


def _transfer(source: Membership, target: Membership, points: int, *, prefix: str, reason: str) -> list[str]:
    """Move points between two locked memberships as a pair of ADJUST rows."""
    if points <= 0:
        return []
    sequence = PointsTransaction.objects.filter(idempotency_key__startswith=prefix).count() // 2 + 1
    keys = [f"{prefix}{sequence}:out", f"{prefix}{sequence}:in"]
    for membership, signed, key in ((source, -points, keys[0]), (target, points, keys[1])):
        append(
            membership,
            kind=Kind.ADJUST,
            points=signed,
            reason=reason,
            key=key,
            print_=fingerprint(kind=Kind.ADJUST, key=key, points=signed),
        )
    return keys


def _post_uncredited_stays(membership: Membership) -> list[int]:
    """Checked-out stays on the member's profile that never earned (booked under the
    duplicate) and ended after enrolment, posted at their place in the timeline."""
    stays = Stay.objects.filter(
        guest_id=membership.guest_id,
        status=Stay.Status.CHECKED_OUT,
        departure_date__gte=membership.enrolled_on,
        loyalty_credit__isnull=True,
    ).select_related("property")
    return sorted({txn.stay_id for txn in sync_stays(list(stays)) if txn.kind == Kind.EARN})


def _unpost_stays(membership: Membership, stay_ids: list[int]) -> None:
    """Undo of a merge: take back what the merge posted for the duplicate's stays."""
    credits = list(
        StayCredit.objects.filter(stay_id__in=stay_ids, membership=membership).select_related("stay__property")
    )
    if not credits:
        return
    posting = MemberPosting(membership, tiers=list(Tier.objects.order_by("rank")), as_of=timezone.localdate())
    for credit in credits:
        posting.take_back(
            credit,
            credit.stay,
            reason=_("Merge undone: stay %(confirmation)s at %(property)s goes back to the other profile")
            % stay_label(credit.stay),
            moving=False,
        )
    prepare_postings([posting])
    posting.post()


def _move_activity(source: Membership, target: Membership) -> tuple[list[int], list[int]]:
    """The duplicate's stay credits (its qualifying activity) and open claims."""
    credit_ids = list(StayCredit.objects.filter(membership=source).values_list("pk", flat=True))
    StayCredit.objects.filter(pk__in=credit_ids).update(membership=target)
    claims = MissingPointsClaim.objects.filter(membership=source, status=MissingPointsClaim.Status.OPEN)
    claim_ids = list(claims.values_list("pk", flat=True))
    MissingPointsClaim.objects.filter(pk__in=claim_ids).update(membership=target)
    return credit_ids, claim_ids


def membership_merge_move(merged_id: int, survivor_id: int) -> dict:
    """MergeHandler.move: the duplicate's loyalty account follows the guest.

    * only the duplicate is a member: the membership moves to the survivor;
    * both are members: the duplicate's balance moves over as a pair of ADJUST rows, its
      stay credits (qualifying activity) and open claims move, the survivor is
      requalified (it can only go up at once);
    * checked-out stays now on the member's profile that never earned (booked under the
      duplicate) and ended after enrolment are posted: the usual reason for a merge is a
      member who stayed under a second profile.
    """
    ids = Membership.objects.filter(guest_id__in=[merged_id, survivor_id]).values_list("pk", flat=True)
    accounts = {m.guest_id: m for m in lock_members(ids).values()}
    duplicate, survivor = accounts.get(merged_id), accounts.get(survivor_id)
    if duplicate is None:
        return {} if survivor is None else {"posted_stays": _post_uncredited_stays(survivor)}
    if survivor is None:
        Membership.objects.filter(pk=duplicate.pk).update(guest_id=survivor_id)
        duplicate.guest_id = survivor_id
        return {"membership": duplicate.pk, "posted_stays": _post_uncredited_stays(duplicate)}
    points = duplicate.points_balance
    keys = _transfer(
        duplicate,
        survivor,
        points,
        prefix=_merge_key_prefix(merged_id, survivor_id),
        reason=_("Profiles merged: %(points)s points moved from %(from)s to %(to)s")
        % {
            "points": number_format(points, force_grouping=True),
            "from": duplicate.member_number,
            "to": survivor.member_number,
        },
    )
    # The stays that never earned first, on the survivor's own timeline; the duplicate's
    # credits then join as they were priced, so an undo restores exactly what moved.
    posted = _post_uncredited_stays(survivor)
    credit_ids, claim_ids = _move_activity(duplicate, survivor)
    requalify_locked(lock_member(survivor.pk), as_of=timezone.localdate())
    return {
        "from": duplicate.pk,
        "to": survivor.pk,
        "points": points,
        "keys": keys,
        "stay_credits": credit_ids,
        "claims": claim_ids,
        "posted_stays": posted,
    }


def _restore_membership(moved: dict, merged_id: int, survivor_id: int) -> None:
    """Undo when only one profile was a member."""
    member_id = (
        moved.get("membership") or Membership.objects.filter(guest_id=survivor_id).values_list("pk", flat=True).first()
    )
    if member_id is not None:
        _unpost_stays(lock_member(member_id), moved.get("posted_stays", []))
    if "membership" in moved:
        Membership.objects.filter(pk=moved["membership"], guest_id=survivor_id).update(guest_id=merged_id)


def membership_merge_restore(moved: dict, merged_id: int, survivor_id: int) -> None:
    """MergeHandler.restore: put back exactly what :func:`membership_merge_move` moved.

    Points the survivor has spent since cannot come back without a negative balance;
    the rest returns, and the ADJUST reason says how much.
    """
    if not moved:
        return
    if "from" not in moved:
        _restore_membership(moved, merged_id, survivor_id)
        return
    locked = lock_members([moved["from"], moved["to"]])
    duplicate, survivor = locked[moved["from"]], locked[moved["to"]]
    StayCredit.objects.filter(pk__in=moved.get("stay_credits", []), membership=survivor).update(membership=duplicate)
    MissingPointsClaim.objects.filter(pk__in=moved.get("claims", []), membership=survivor).update(membership=duplicate)
    _unpost_stays(survivor, moved.get("posted_stays", []))
    survivor.refresh_from_db(fields=["points_balance"])
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
