"""Membership: enrolment at the base tier with a new member number."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError
from crm_site.parsing import as_of_date
from guests.models import Guest

from .. import numbers
from ..models import Membership, TierChange
from .tiers import base_tier

NUMBER_ATTEMPTS = 5


def survivor_of(guest: Guest) -> Guest:
    """Follow merges to the profile that is still in use."""
    seen = set()
    while guest.merged_into_id and guest.pk not in seen:
        seen.add(guest.pk)
        guest = Guest.objects.get(pk=guest.merged_into_id)
    return guest


def _check_enrollable(guest: Guest | None) -> None:
    if guest is None:
        raise DomainError(_("Unknown guest."), field="guest")
    if guest.merged_into_id:
        raise DomainError(_("This profile was merged into another: enrol the surviving profile."), field="guest")
    if guest.is_anonymised:
        raise DomainError(_("This profile was erased and cannot be enrolled."), field="guest")


def _create(guest: Guest, *, enrolled_on: dt.date, by) -> Membership:
    tier = base_tier()
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
    return membership


def membership_enrol(*, guest: Guest, by=None, enrolled_on: dt.date | None = None) -> tuple[Membership, bool]:
    """Enrol a guest at the base tier with a new member number.

    Enrolling a member again returns their membership (``created`` False), also when two
    enrolments race: the guest is unique on Membership.
    """
    _check_enrollable(guest)
    existing = Membership.objects.select_related("tier").filter(guest=guest).first()
    if existing is not None:
        return existing, False
    enrolled_on = as_of_date(enrolled_on, field="enrolled_on")
    with transaction.atomic():
        for _attempt in range(NUMBER_ATTEMPTS):
            try:
                with transaction.atomic():
                    return _create(guest, enrolled_on=enrolled_on, by=by), True
            except IntegrityError:
                existing = Membership.objects.select_related("tier").filter(guest=guest).first()
                if existing is not None:
                    return existing, False
                # Otherwise the random member number was taken: draw another.
    raise ConflictError(_("Could not allocate a member number; please try again."), field="member_number")
