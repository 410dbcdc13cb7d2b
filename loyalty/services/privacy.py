"""Right to be forgotten: what loyalty keeps that the guest told us or staff wrote."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from ..models import MissingPointsClaim, PointsTransaction

ERASED_REASON = "(erased)"
# Ledger rows whose reason was typed by staff or an integration (not a stay, an expiry,
# a catalogue reward or a complaint's compensation, whose reasons the system writes).
_TYPED_REASON = Q(
    kind__in=[PointsTransaction.Kind.EARN, PointsTransaction.Kind.REDEEM, PointsTransaction.Kind.ADJUST]
) & Q(stay__isnull=True, redemption__isnull=True)


def guest_loyalty_erase(guest_ids: Iterable[int]) -> int:
    """``PersonalData.erase`` for loyalty, for every profile of the erased guest's merge
    cluster at once: what the guests told us in their claims and what staff wrote in the
    decision go, and so do the typed reasons of manual ledger movements (the amounts,
    kinds and dates stay: the balance is still the sum of the ledger).  Returns the number
    of claims scrubbed."""
    ids = [int(guest_id) for guest_id in guest_ids]
    if not ids:
        return 0
    PointsTransaction.objects.filter(_TYPED_REASON, membership__guest_id__in=ids).exclude(reason=ERASED_REASON).update(
        reason=ERASED_REASON
    )
    claims = MissingPointsClaim.objects.filter(membership__guest_id__in=ids)
    # A rejection keeps a reason (the database insists): the words go, the fact stays.
    claims.exclude(decision_reason="").update(decision_reason=ERASED_REASON)
    return claims.exclude(note="").update(note="")


def loyalty_activity(since) -> list:
    """``PersonalData.activity``: members with a ledger movement or a claim since then."""
    return [
        PointsTransaction.objects.filter(created_at__gte=since).values_list("membership__guest_id", flat=True),
        MissingPointsClaim.objects.filter(created_at__gte=since).values_list("membership__guest_id", flat=True),
    ]
