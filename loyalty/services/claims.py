"""Missing-points claims: a member says a stay did not earn; the chain answers by the
reply-by date, approving the stay into the ledger or rejecting it with a reason."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import ConflictError, DomainError, NotFound
from crm_site.parsing import as_points, as_text
from guests.models import Property, Stay
from guests.services import guest_check_writable

from .. import conf
from ..models import Membership, MissingPointsClaim, PointsTransaction, StayCredit
from .earning import sync_stays
from .ledger import actor, post

CONFIRMATION_LENGTH = MissingPointsClaim._meta.get_field("confirmation_number").max_length


def _as_confirmation(value) -> str:
    return as_text(
        value,
        field="confirmation_number",
        max_length=CONFIRMATION_LENGTH,
        required=True,
        message=_("A confirmation number is required."),
    )


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
    answer by (``LOYALTY_CLAIM_REPLY_DAYS`` days), at one of ``by``'s properties
    (``crm_site.scope``: the claim belongs to the hotel of the missing stay)."""
    guest_check_writable(membership.guest)  # an erased member files no new claim (409)
    if property is None:
        raise DomainError(_("Unknown property."), field="property")
    scope.require_property(property, by)
    confirmation = _as_confirmation(confirmation_number)
    note = as_text(note, field="note")
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
                note=note,
                reply_by=today + dt.timedelta(days=conf.terms().claim_reply_days),
                filed_by=actor(by),
            )
    except IntegrityError:
        raise ConflictError(_("An open claim for this stay already exists."), field="confirmation_number") from None


def _lock_open_claim(claim_id: int, by) -> MissingPointsClaim:
    # Locked alone, related rows read after: a FOR UPDATE joined to the membership would
    # lose the claim when a merge moved it to another membership meanwhile.  Outside
    # ``by``'s properties the claim does not exist for them.
    claim = scope.scoped(MissingPointsClaim.objects.select_for_update(), by).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("Claim not found."), field="claim")
    if claim.status != MissingPointsClaim.Status.OPEN:
        raise ConflictError(
            _("This claim was already %(status)s.") % {"status": claim.get_status_display().lower()}, field="status"
        )
    return claim


def _credit_claimed_stay(claim: MissingPointsClaim, stay: Stay, *, reason: str, by) -> PointsTransaction:
    """The stay is in the system: it earns by the normal rule, in date order."""
    if stay.guest_id not in (None, claim.membership.guest_id):
        raise DomainError(_("This stay belongs to another guest profile: merge the profiles first."), field="stay")
    if stay.status != Stay.Status.CHECKED_OUT:
        raise DomainError(
            _("The stay is %(status)s: only a checked-out stay earns.") % {"status": stay.get_status_display().lower()},
            field="stay",
        )
    if StayCredit.objects.filter(stay=stay).exists():
        raise DomainError(_("This stay has already been credited."), field="stay")
    stay = Stay.objects.select_related("property").get(pk=stay.pk)
    posted = sync_stays([stay], by=by, claimant=claim.membership, reason=reason)
    earned = [row for row in posted if row.stay_id == stay.pk and row.kind == PointsTransaction.Kind.EARN]
    if not earned:
        raise DomainError(_("This stay has no eligible revenue, so it earns no points."), field="stay")
    return earned[-1]


def claim_approve(
    *, claim: MissingPointsClaim, by=None, points: int | None = None, note: str = ""
) -> MissingPointsClaim:
    """Approve a claim into the ledger.

    If the stay is in the system it is credited by the normal earning rule (a
    checked-out stay of this guest or of no profile), at its place in the member's
    timeline; otherwise ``points`` must be given and are posted as an EARN tied to the
    claim.
    """
    note = as_text(note, field="note")
    with transaction.atomic():
        claim = _lock_open_claim(claim.pk, by)
        stay = (
            claim.stay
            or Stay.objects.filter(
                property=claim.property, confirmation_number__iexact=claim.confirmation_number
            ).first()
        )
        label = {"id": claim.pk, "confirmation": claim.confirmation_number, "property": claim.property.code}
        reason = _("Missing-points claim #%(id)s approved: stay %(confirmation)s at %(property)s") % label
        if stay is not None:
            txn = _credit_claimed_stay(claim, stay, reason=reason, by=by)
        else:
            if points in (None, ""):
                raise DomainError(_("The stay is not in the system: enter the points to credit."), field="points")
            txn = post(
                membership=claim.membership,
                kind=PointsTransaction.Kind.EARN,
                points=as_points(points),
                reason=reason,
                idempotency_key=f"claim:{claim.pk}",
                by=by,
            )
        claim.status = MissingPointsClaim.Status.APPROVED
        claim.stay = stay
        claim.transaction = txn
        claim.decision_reason = note
        claim.decided_by = actor(by)
        claim.decided_at = timezone.now()
        claim.save()
        return claim


def claim_reject(*, claim: MissingPointsClaim, reason: str, by=None) -> MissingPointsClaim:
    """Reject a claim; the reason is told to the guest and kept."""
    reason = as_text(reason, field="decision_reason", required=True, message=_("Give the reason for the rejection."))
    with transaction.atomic():
        claim = _lock_open_claim(claim.pk, by)
        claim.status = MissingPointsClaim.Status.REJECTED
        claim.decision_reason = reason
        claim.decided_by = actor(by)
        claim.decided_at = timezone.now()
        claim.save()
        return claim
