"""Logging a complaint and linking it to the guest and stay once they are known."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import ConflictError, DomainError, ErrorBag
from crm_site.parsing import as_choice, as_text
from guests.models import Guest, Property, Stay
from guests.services import guest_check_writable

from .. import sla
from ..models import Complaint, ComplaintEvent
from .common import S, add_event, announce, check_scope, checked_time, event_time, lock, require_perm

MAX_DESCRIPTION = 5000


def _resolve_property(value, by) -> Property:
    if isinstance(value, Property):
        prop = value
    else:
        code = str(value or "").strip().upper()[:20]
        prop = Property.objects.filter(code=code).first() if code else None
    if prop is None or not prop.is_active:
        raise DomainError(_("Unknown property."), field="property")
    return scope.require_property(prop, by)


def _by_id(model, value):
    try:
        return model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def resolve_guest(value) -> Guest | None:
    """The guest a complaint is about: an existing profile that was not merged away."""
    if value in (None, ""):
        return None
    guest = value if isinstance(value, Guest) else _by_id(Guest, value)
    if guest is None:
        raise DomainError(_("Unknown guest."), field="guest")
    if guest.merged_into_id:
        raise DomainError(
            _("This profile was merged into guest #%(id)s; use that one.") % {"id": guest.merged_into_id},
            field="guest",
        )
    guest_check_writable(guest)  # an erased profile takes no new complaint (409)
    return guest


def _resolve_stay(value, *, prop: Property | None, guest: Guest | None) -> Stay | None:
    if value in (None, ""):
        return None
    stay = value if isinstance(value, Stay) else _by_id(Stay, value)
    if stay is None:
        raise DomainError(_("Unknown stay."), field="stay")
    if prop is not None and stay.property_id != prop.pk:
        raise DomainError(_("This stay is at another property."), field="stay")
    if guest is not None and stay.guest_id != guest.pk:
        raise DomainError(_("This stay belongs to another guest."), field="stay")
    return stay


def _intake(bag: ErrorBag, *, property, category, description, channel, severity, reference, by) -> dict:
    return {
        "property": bag.check(_resolve_property, property, by),
        "channel": bag.check(
            as_choice,
            channel,
            field="channel",
            choices=Complaint.Channel,
            default=Complaint.Channel.FRONT_DESK,
            message=_("Unknown channel."),
        ),
        "category": bag.check(
            as_choice, category, field="category", choices=Complaint.Category, message=_("Choose a category.")
        ),
        "severity": bag.check(
            as_choice,
            severity,
            field="severity",
            choices=Complaint.Severity,
            default=Complaint.Severity.MEDIUM,
            message=_("Unknown severity."),
        ),
        "description": bag.check(
            as_text,
            description,
            field="description",
            required=True,
            max_length=MAX_DESCRIPTION,
            message=_("Describe what the guest complains about."),
        ),
        "source_reference": bag.check(as_text, reference, field="source_reference", max_length=100) or "",
    }


def complaint_create(
    *,
    property,
    category: str,
    description: str,
    channel: str = Complaint.Channel.FRONT_DESK,
    severity: str = Complaint.Severity.MEDIUM,
    guest=None,
    stay=None,
    received_at: dt.datetime | None = None,
    source_reference: str = "",
    by=None,
    at: dt.datetime | None = None,
) -> Complaint:
    """Log a complaint at one of the user's properties.

    The guest is optional (walk-up complaints) but a stay must be at the same property
    and belong to that guest; a stay alone links its guest.  Deadlines follow from the
    severity (``complaints.sla``) counted from when the complaint was received.  Every
    invalid field is reported at once.
    """
    require_perm(by, "complaints.add_complaint", field=None, message=_("You may not log complaints."))
    bag = ErrorBag()
    now = bag.check(event_time, at) or timezone.now()
    data = _intake(
        bag,
        property=property,
        category=category,
        description=description,
        channel=channel,
        severity=severity,
        reference=source_reference,
        by=by,
    )
    guest = bag.check(resolve_guest, guest)
    stay = bag.check(_resolve_stay, stay, prop=data["property"], guest=guest)
    received_at = bag.check(
        checked_time,
        received_at,
        field="received_at",
        now=now,
        message=_("A complaint cannot be received in the future."),
    )
    bag.raise_if_any()
    if guest is None and stay is not None and stay.guest_id:
        guest = stay.guest
    return _create(data, guest=guest, stay=stay, received_at=received_at or now, by=by, now=now)


def _duplicate() -> ConflictError:
    return ConflictError(_("A complaint with this source reference was already logged."), field="source_reference")


def _create(data: dict, *, guest, stay, received_at, by, now) -> Complaint:
    first_due, resolution_due = sla.deadlines(severity=data["severity"], received_at=received_at)
    reference = data["source_reference"]
    if reference and Complaint.objects.filter(channel=data["channel"], source_reference=reference).exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                **data,
                guest=guest,
                stay=stay,
                status=S.RECEIVED,
                created_by=by,
                received_at=received_at,
                first_response_due=first_due,
                resolution_due=resolution_due,
                compensation_currency=data["property"].currency,
            )
            add_event(
                complaint,
                kind=ComplaintEvent.Kind.CREATED,
                at=now,
                by=by,
                from_status="",
                to_status=S.RECEIVED,
                data={k: data[k] for k in ("severity", "category", "channel")},
            )
    except IntegrityError:
        raise _duplicate() from None
    announce(complaint, "", S.RECEIVED)
    return complaint


def _link_targets(complaint: Complaint, guest, stay) -> tuple[Guest | None, Stay | None]:
    """The guest and stay to link, refused when they contradict what is linked already."""
    new_guest = resolve_guest(guest)
    if new_guest is None and stay in (None, ""):
        raise DomainError(_("Give the guest or the stay to link."), field="guest")
    if complaint.guest_id and new_guest is not None and new_guest.pk != complaint.guest_id:
        raise DomainError(_("This complaint is already linked to another guest."), field="guest")
    target_guest = new_guest or (complaint.guest if complaint.guest_id else None)
    new_stay = _resolve_stay(stay, prop=complaint.property, guest=target_guest)
    if target_guest is None and new_stay is not None:
        if new_stay.guest_id:
            guest_check_writable(new_stay.guest)
        if not new_stay.guest_id:
            raise DomainError(_("This stay has no guest profile."), field="stay")
        target_guest = new_stay.guest
    if complaint.stay_id and new_stay is not None and new_stay.pk != complaint.stay_id:
        raise DomainError(_("This complaint is already linked to another stay."), field="stay")
    if complaint.stay_id and target_guest is not None and complaint.stay.guest_id not in (None, target_guest.pk):
        raise DomainError(_("The complaint's stay belongs to another guest."), field="guest")
    return target_guest, new_stay


def complaint_link_guest(*, complaint, guest=None, stay=None, by=None, comment: str = "") -> Complaint:
    """Link a walk-up complaint to the guest (and/or the stay) once they are known.

    A complaint already linked to a guest keeps that guest; the stay must be at the
    complaint's property and belong to the guest.
    """
    require_perm(by, "complaints.change_complaint", field=None, message=_("You may not change complaints."))
    comment = as_text(comment, field="comment")
    with transaction.atomic():
        complaint = lock(complaint)
        check_scope(complaint, by)
        target_guest, new_stay = _link_targets(complaint, guest, stay)
        changed = {}
        if target_guest is not None and complaint.guest_id != target_guest.pk:
            complaint.guest = target_guest
            changed["guest"] = target_guest.pk
        if new_stay is not None and complaint.stay_id != new_stay.pk:
            complaint.stay = new_stay
            changed["stay"] = new_stay.pk
        if not changed:
            return complaint
        add_event(
            complaint,
            kind=ComplaintEvent.Kind.GUEST_LINKED,
            at=timezone.now(),
            by=by,
            from_status=complaint.status,
            to_status=complaint.status,
            comment=comment,
            data=changed,
        )
        complaint.save(update_fields=["guest", "stay", "updated_at"])
    return complaint
