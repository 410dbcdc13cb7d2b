"""Right to be forgotten: what loyalty keeps that the guest told us."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import MissingPointsClaim


def guest_loyalty_erase(guest_ids: Iterable[int]) -> int:
    """``PersonalData.erase`` for loyalty: drop what the guests told us in their claims
    (free text), for every profile of the erased guest's merge cluster at once.  The
    ledger keeps amounts and the reasons staff and the system wrote.  Returns the number
    of claims scrubbed."""
    ids = [int(guest_id) for guest_id in guest_ids]
    if not ids:
        return 0
    return MissingPointsClaim.objects.filter(membership__guest_id__in=ids).exclude(note="").update(note="")
