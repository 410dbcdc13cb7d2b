"""Writes and business rules for complaints.

The only code that creates complaints, changes their status, links a guest, escalates
and posts compensation.  Each function validates first, writes inside one transaction
with the complaint row locked, appends to the timeline, and raises ``DomainError`` naming
the offending field; nothing is half-written.  ``by=None`` means the system itself (the
periodic task, an import): permission and property-scope checks apply to people only.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError, Forbidden, NotFound
from guests.models import Guest, Property, Stay
from guests.selectors import visible_properties

from . import sla, workflow
from .models import (
    Complaint,
    ComplaintEscalation,
    ComplaintEvent,
    ComplaintNotification,
)
from .signals import complaint_escalated, complaint_transitioned

logger = logging.getLogger(__name__)

S = Complaint.Status
MAX_DESCRIPTION = 5000
MAX_TEXT = 5000
MAX_POINTS = 1_000_000
MAX_MONEY = Decimal("100000000")
# A clock skew tolerance for times sent by other systems ("received at").
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


# --- helpers --------------------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_TOLERANCE:
        raise DomainError(_("This time is in the future."), field="at")
    return at


def _text(value, *, field: str, required: bool = False, limit: int = MAX_TEXT, message: str | None = None) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise DomainError(message or _("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


def _check_choice(value, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise DomainError(message, field=field)
    return value


def _sees_property(user, property_id: int) -> bool:
    return visible_properties(user).filter(pk=property_id).exists()


def _require_perm(user, perm: str, *, field: str | None, message: str) -> None:
    if user is not None and not user.has_perm(perm):
        raise Forbidden(message, field=field)


def _resolve_property(value, by) -> Property:
    if isinstance(value, Property):
        prop = value
    else:
        code = str(value or "").strip().upper()
        prop = Property.objects.filter(code=code).first() if code else None
    if prop is None or not prop.is_active:
        raise DomainError(_("Unknown property."), field="property")
    if by is not None and not _sees_property(by, prop.pk):
        raise Forbidden(_("You can only log complaints for your own properties."), field="property")
    return prop


def _resolve_guest(value) -> Guest | None:
    if value in (None, ""):
        return None
    if isinstance(value, Guest):
        guest = value
    else:
        try:
            guest = Guest.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            guest = None
    if guest is None:
        raise DomainError(_("Unknown guest."), field="guest")
    if guest.merged_into_id:
        raise DomainError(
            _("This profile was merged into guest #%(id)s; use that one.") % {"id": guest.merged_into_id},
            field="guest",
        )
    return guest


def _resolve_stay(value, *, prop: Property, guest: Guest | None) -> Stay | None:
    if value in (None, ""):
        return None
    if isinstance(value, Stay):
        stay = value
    else:
        try:
            stay = Stay.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            stay = None
    if stay is None:
        raise DomainError(_("Unknown stay."), field="stay")
    if stay.property_id != prop.pk:
        raise DomainError(_("This stay is at another property."), field="stay")
    if guest is not None and stay.guest_id != guest.pk:
        raise DomainError(_("This stay belongs to another guest."), field="stay")
    return stay


def _add_event(complaint: Complaint, *, kind, at, by, from_status, to_status, comment="", data=None):
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        at=at,
        by=by,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data or {},
    )


def _lock(complaint_or_id) -> Complaint:
    pk = complaint_or_id.pk if isinstance(complaint_or_id, Complaint) else complaint_or_id
    try:
        return Complaint.objects.select_for_update().get(pk=pk)
    except (Complaint.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Complaint not found.")) from None


def _check_scope(complaint: Complaint, by) -> None:
    if by is not None and not _sees_property(by, complaint.property_id):
        raise NotFound(_("Complaint not found."))


# --- intake ---------------------------------------------------------------------------------


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
    severity (``complaints.sla``) counted from when the complaint was received.
    """
    _require_perm(by, "complaints.add_complaint", field=None, message=_("You may not log complaints."))
    now = _now(at)
    prop = _resolve_property(property, by)
    channel = _check_choice(
        channel or Complaint.Channel.FRONT_DESK, Complaint.Channel, "channel", _("Unknown channel.")
    )
    category = _check_choice(category, Complaint.Category, "category", _("Choose a category."))
    severity = _check_choice(
        severity or Complaint.Severity.MEDIUM, Complaint.Severity, "severity", _("Unknown severity.")
    )
    description = _text(
        description,
        field="description",
        required=True,
        limit=MAX_DESCRIPTION,
        message=_("Describe what the guest complains about."),
    )
    reference = _text(source_reference, field="source_reference", limit=100)
    guest = _resolve_guest(guest)
    stay = _resolve_stay(stay, prop=prop, guest=guest)
    if guest is None and stay is not None and stay.guest_id:
        guest = stay.guest
    if received_at is None:
        received_at = now
    else:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        if received_at > now + CLOCK_TOLERANCE:
            raise DomainError(_("A complaint cannot be received in the future."), field="received_at")
    first_due, resolution_due = sla.deadlines(severity=severity, received_at=received_at)

    if reference and Complaint.objects.filter(channel=channel, source_reference=reference).exists():
        raise ConflictError(_("A complaint with this source reference was already logged."), field="source_reference")
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                property=prop,
                guest=guest,
                stay=stay,
                channel=channel,
                category=category,
                severity=severity,
                description=description,
                source_reference=reference,
                status=S.RECEIVED,
                created_by=by,
                received_at=received_at,
                first_response_due=first_due,
                resolution_due=resolution_due,
                compensation_currency=prop.currency,
            )
            _add_event(
                complaint,
                kind=ComplaintEvent.Kind.CREATED,
                at=now,
                by=by,
                from_status="",
                to_status=S.RECEIVED,
                data={"severity": severity, "category": category, "channel": channel},
            )
    except IntegrityError:
        raise ConflictError(
            _("A complaint with this source reference was already logged."), field="source_reference"
        ) from None
    _announce(complaint, "", S.RECEIVED)
    return complaint


def complaint_link_guest(*, complaint, guest=None, stay=None, by=None, comment: str = "") -> Complaint:
    """Link a walk-up complaint to the guest (and/or the stay) once they are known.

    A complaint already linked to a guest keeps that guest; the stay must be at the
    complaint's property and belong to the guest.
    """
    _require_perm(by, "complaints.change_complaint", field=None, message=_("You may not change complaints."))
    comment = _text(comment, field="comment")
    with transaction.atomic():
        complaint = _lock(complaint)
        _check_scope(complaint, by)
        new_guest = _resolve_guest(guest)
        if new_guest is None and stay in (None, ""):
            raise DomainError(_("Give the guest or the stay to link."), field="guest")
        if complaint.guest_id and new_guest is not None and new_guest.pk != complaint.guest_id:
            raise DomainError(_("This complaint is already linked to another guest."), field="guest")
        target_guest = new_guest or (complaint.guest if complaint.guest_id else None)
        new_stay = _resolve_stay(stay, prop=complaint.property, guest=target_guest)
        if target_guest is None and new_stay is not None:
            if not new_stay.guest_id:
                raise DomainError(_("This stay has no guest profile."), field="stay")
            target_guest = new_stay.guest
        if complaint.stay_id and new_stay is not None and new_stay.pk != complaint.stay_id:
            raise DomainError(_("This complaint is already linked to another stay."), field="stay")
        if complaint.stay_id and target_guest is not None and complaint.stay.guest_id not in (None, target_guest.pk):
            raise DomainError(_("The complaint's stay belongs to another guest."), field="guest")
        changed = {}
        if target_guest is not None and complaint.guest_id != target_guest.pk:
            complaint.guest = target_guest
            changed["guest"] = target_guest.pk
        if new_stay is not None and complaint.stay_id != new_stay.pk:
            complaint.stay = new_stay
            changed["stay"] = new_stay.pk
        if not changed:
            return complaint
        now = timezone.now()
        _add_event(
            complaint,
            kind=ComplaintEvent.Kind.GUEST_LINKED,
            at=now,
            by=by,
            from_status=complaint.status,
            to_status=complaint.status,
            comment=comment,
            data=changed,
        )
        complaint.save(update_fields=["guest", "stay", "updated_at"])
    return complaint


# --- the workflow ---------------------------------------------------------------------------


def _as_points(value) -> int:
    if value in (None, ""):
        return 0
    try:
        if isinstance(value, bool):
            raise ValueError
        points = int(value)
        if str(value).strip() not in (str(points), f"{points}.0"):
            raise ValueError
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number of points."), field="compensation_points") from None
    if points < 0 or points > MAX_POINTS:
        raise DomainError(
            _("Points must be between 0 and %(max)s.") % {"max": f"{MAX_POINTS:,}"}, field="compensation_points"
        )
    return points


def _as_money(value) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount."), field="compensation_money") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_MONEY:
        raise DomainError(_("Enter an amount of zero or more."), field="compensation_money")
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most two decimals."), field="compensation_money")
    return amount.quantize(Decimal("0.01"))


def _as_satisfaction(value) -> int:
    if value in (None, ""):
        raise DomainError(_("Record the guest's satisfaction (1-5)."), field="satisfaction")
    try:
        if isinstance(value, bool):
            raise ValueError
        score = int(value)
        if str(value).strip() != str(score):
            raise ValueError
    except (TypeError, ValueError):
        raise DomainError(_("Satisfaction is a whole number from 1 to 5."), field="satisfaction") from None
    if not 1 <= score <= 5:
        raise DomainError(_("Satisfaction is a whole number from 1 to 5."), field="satisfaction")
    return score


def _check_assignee(assignee, complaint: Complaint):
    if assignee in (None, ""):
        raise DomainError(_("Choose who handles this complaint."), field="assignee")
    User = get_user_model()
    if not isinstance(assignee, User):
        try:
            assignee = User.objects.filter(pk=int(assignee)).first()
        except (TypeError, ValueError):
            assignee = None
    if assignee is None or not assignee.is_active:
        raise DomainError(_("Unknown user."), field="assignee")
    if not assignee.has_perm("complaints.handle_complaint") or not _sees_property(assignee, complaint.property_id):
        raise DomainError(
            _("%(user)s cannot handle complaints at this property.") % {"user": assignee.get_username()},
            field="assignee",
        )
    return assignee


def complaint_transition(
    *,
    complaint,
    to: str,
    by=None,
    comment: str = "",
    assignee=None,
    action_taken: str | None = None,
    root_cause: str | None = None,
    compensation_points=None,
    compensation_money=None,
    compensation_currency: str | None = None,
    satisfaction=None,
    feedback: str | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """Move a complaint one step along the workflow (``complaints.workflow``).

    Refuses a move the workflow does not allow from the current status, a user without
    the move's permission or outside the complaint's property, and a move without what it
    requires (an assignee, the action taken, a satisfaction 1-5, a reason to reopen).
    Every move is appended to the timeline.  Resolving with points posts them to the
    loyalty ledger in the same transaction, exactly once per complaint.
    """
    to = str(to or "").strip()
    if to not in S.values:
        raise DomainError(_("Unknown status."), field="to")
    comment = _text(comment, field="comment")
    with transaction.atomic():
        complaint = _lock(complaint)
        _check_scope(complaint, by)
        now = _now(at)
        last = complaint.events.order_by("-at", "-id").values_list("at", flat=True).first()
        if last is not None and now < last:
            raise DomainError(_("This time is before the complaint's last timeline entry."), field="at")
        source = complaint.status
        move = workflow.find_transition(source, to)
        if move is None:
            allowed = ", ".join(str(S(t.target).label) for t in workflow.transitions_from(source))
            raise DomainError(
                _("A %(from)s complaint cannot move to %(to)s. Allowed next: %(allowed)s.")
                % {"from": S(source).label, "to": S(to).label, "allowed": allowed or _("none")},
                field="to",
            )
        if by is not None and not by.has_perm(move.permission):
            raise Forbidden(
                _("You may not move complaints to %(to)s.") % {"to": S(to).label},
                field="to",
            )

        data: dict = {}
        fields = ["status", "updated_at"]
        if "assignee" in move.requires:
            user = _check_assignee(assignee, complaint)
            complaint.assignee = user
            data["assignee"] = user.get_username()
            fields.append("assignee")
        if "reason" in move.requires and not comment:
            raise DomainError(_("Give the reason for reopening."), field="comment")
        if "action_taken" in move.requires:
            action = _text(
                action_taken,
                field="action_taken",
                required=True,
                message=_("Describe the action taken to resolve the complaint."),
            )
            cause = _text(root_cause, field="root_cause") if root_cause is not None else complaint.root_cause
            points = _as_points(compensation_points)
            money = _as_money(compensation_money)
            currency = compensation_currency or complaint.compensation_currency or complaint.property.currency or ""
            currency = str(currency).strip().upper()
            if money and (len(currency) != 3 or not currency.isalpha()):
                raise DomainError(_("Use a 3-letter ISO currency code."), field="compensation_currency")
            if points and complaint.guest_id is None:
                raise DomainError(
                    _("Link the complaint to a guest before compensating in points."), field="compensation_points"
                )
            if complaint.compensation_posted_at and points != complaint.compensation_points:
                raise DomainError(
                    _("%(points)s points were already posted for this complaint; they cannot change.")
                    % {"points": complaint.compensation_points},
                    field="compensation_points",
                )
            complaint.action_taken, complaint.root_cause = action, cause
            complaint.compensation_points, complaint.compensation_money = points, money
            complaint.compensation_currency = currency
            complaint.resolved_at = now
            data.update(
                action_taken=action,
                root_cause=cause,
                compensation_points=points,
                compensation_money=str(money),
                compensation_currency=currency,
            )
            fields += [
                "action_taken",
                "root_cause",
                "compensation_points",
                "compensation_money",
                "compensation_currency",
                "resolved_at",
            ]
        if "satisfaction" in move.requires:
            complaint.satisfaction = _as_satisfaction(satisfaction)
            complaint.feedback = _text(feedback, field="feedback")
            data.update(satisfaction=complaint.satisfaction, feedback=complaint.feedback)
            fields += ["satisfaction", "feedback"]

        if source == S.RECEIVED and complaint.first_response_at is None:
            complaint.first_response_at = now
            fields.append("first_response_at")
        if to == S.CLOSED:
            complaint.closed_at = now
            fields.append("closed_at")
        if move.is_reopen:
            # A reopened complaint is worked again against a fresh resolution deadline;
            # the earlier resolution and feedback stay in the timeline.
            previous = {"resolved_at": complaint.resolved_at.isoformat() if complaint.resolved_at else None}
            if complaint.satisfaction is not None:
                previous["satisfaction"] = complaint.satisfaction
            data["previous"] = previous
            complaint.resolved_at = None
            complaint.closed_at = None
            complaint.satisfaction = None
            complaint.resolution_due = max(now + sla.sla_for(complaint.severity).resolution, complaint.resolution_due)
            data["resolution_due"] = complaint.resolution_due.isoformat()
            fields += ["resolved_at", "closed_at", "satisfaction", "resolution_due"]

        _add_event(
            complaint,
            kind=move.kind,
            at=now,
            by=by,
            from_status=source,
            to_status=to,
            comment=comment,
            data=data,
        )
        complaint.status = to
        complaint.save(update_fields=sorted(set(fields)))
        if to == S.RESOLVED and complaint.compensation_points and not complaint.compensation_posted_at:
            _post_compensation(complaint, by=by, at=now)
    _announce(complaint, source, to)
    return complaint


def _announce(complaint: Complaint, source: str, target: str) -> None:
    pk = complaint.pk
    transaction.on_commit(
        lambda: complaint_transitioned.send(sender=Complaint, complaint_id=pk, from_status=source, to_status=target)
    )


# --- compensation ---------------------------------------------------------------------------


def _loyalty_poster():
    """loyalty.services.points_post_compensation, or None while loyalty lacks it (the
    compensation is then recorded and posted by the periodic task once it exists)."""
    try:
        from loyalty.services import points_post_compensation
    except ImportError:
        logger.warning("loyalty.services.points_post_compensation is not available; compensation left pending")
        return None
    return points_post_compensation


def compensation_key(complaint: Complaint) -> str:
    return f"complaint-{complaint.pk}-compensation"


def _post_compensation(complaint: Complaint, *, by, at: dt.datetime) -> bool:
    """Post the complaint's points to the ledger (caller holds the row lock).  The
    idempotency key makes a second call a no-op on the loyalty side too."""
    poster = _loyalty_poster()
    if poster is None:
        return False
    reason = _("Compensation for complaint #%(id)s") % {"id": complaint.pk}
    entry = poster(
        guest=complaint.guest,
        points=complaint.compensation_points,
        reason=reason,
        idempotency_key=compensation_key(complaint),
        by=by,
    )
    complaint.compensation_posted_at = at
    complaint.compensation_reference = str(getattr(entry, "pk", "") or "")[:64]
    _add_event(
        complaint,
        kind=ComplaintEvent.Kind.COMPENSATION_POSTED,
        at=at,
        by=by,
        from_status=complaint.status,
        to_status=complaint.status,
        data={"points": complaint.compensation_points, "reference": complaint.compensation_reference},
    )
    complaint.save(update_fields=["compensation_posted_at", "compensation_reference", "updated_at"])
    return True


def compensations_post_pending(*, limit: int = 500) -> int:
    """Post compensation recorded while the loyalty ledger was unavailable."""
    if _loyalty_poster() is None:
        return 0
    pending = list(
        Complaint.objects.filter(
            compensation_points__gt=0,
            compensation_posted_at__isnull=True,
            guest__isnull=False,
            status__in=Complaint.RESOLVED_STATUSES,
        ).values_list("pk", flat=True)[:limit]
    )
    posted = 0
    for pk in pending:
        with transaction.atomic():
            complaint = _lock(pk)
            if complaint.compensation_posted_at or not complaint.compensation_points:
                continue
            posted += _post_compensation(complaint, by=None, at=timezone.now())
    return posted


# --- SLA escalation -------------------------------------------------------------------------


def overdue_candidates(*, now: dt.datetime):
    """Open complaints with a breached deadline not escalated yet (one query)."""
    escalated = ComplaintEscalation.objects.filter(complaint=OuterRef("pk"))
    return (
        Complaint.objects.filter(status__in=Complaint.OPEN_STATUSES)
        .annotate(
            first_done=Exists(
                escalated.filter(kind=ComplaintEscalation.Kind.FIRST_RESPONSE, deadline=OuterRef("first_response_due"))
            ),
            resolution_done=Exists(
                escalated.filter(kind=ComplaintEscalation.Kind.RESOLUTION, deadline=OuterRef("resolution_due"))
            ),
        )
        .filter(
            Q(status=S.RECEIVED, first_response_due__lt=now, first_done=False)
            | Q(resolution_due__lt=now, resolution_done=False)
        )
        .order_by("resolution_due", "pk")
    )


def _breaches(complaint: Complaint, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    found = []
    if complaint.status == S.RECEIVED and complaint.first_response_due < now:
        found.append((ComplaintEscalation.Kind.FIRST_RESPONSE, complaint.first_response_due))
    if complaint.status in Complaint.OPEN_STATUSES and complaint.resolution_due < now:
        found.append((ComplaintEscalation.Kind.RESOLUTION, complaint.resolution_due))
    return found


def duty_managers(property_id: int):
    User = get_user_model()
    return (
        User.objects.filter(
            is_active=True, staff_profile__is_duty_manager=True, staff_profile__properties__id=property_id
        )
        .distinct()
        .order_by("pk")
    )


def complaint_escalate(*, complaint, now: dt.datetime | None = None) -> list[ComplaintEscalation]:
    """Escalate each breached deadline of one complaint to the property's duty managers,
    once per breach: a notification per duty manager, a timeline entry, and the complaint
    marked as escalated.  Calling it again for the same breach does nothing."""
    now = now or timezone.now()
    created: list[ComplaintEscalation] = []
    with transaction.atomic():
        complaint = _lock(complaint)
        for kind, deadline in _breaches(complaint, now):
            escalation, is_new = ComplaintEscalation.objects.get_or_create(
                complaint=complaint, kind=kind, deadline=deadline, defaults={"escalated_at": now}
            )
            if not is_new:
                continue
            managers = list(duty_managers(complaint.property_id))
            ComplaintNotification.objects.bulk_create(
                [ComplaintNotification(escalation=escalation, recipient=m, created_at=now) for m in managers]
            )
            if not managers:
                logger.warning(
                    "complaint %s escalated but property %s has no duty manager", complaint.pk, complaint.property_id
                )
            _add_event(
                complaint,
                kind=ComplaintEvent.Kind.ESCALATED,
                at=now,
                by=None,
                from_status=complaint.status,
                to_status=complaint.status,
                comment=str(ComplaintEscalation.Kind(kind).label),
                data={
                    "kind": kind,
                    "deadline": deadline.isoformat(),
                    "notified": [m.get_username() for m in managers],
                },
            )
            created.append(escalation)
        if created:
            complaint.last_escalated_at = now
            complaint.save(update_fields=["last_escalated_at", "updated_at"])
            ids = [e.pk for e in created]
            pk = complaint.pk
            transaction.on_commit(
                lambda: complaint_escalated.send(sender=Complaint, complaint_id=pk, escalation_ids=ids)
            )
    return created


def complaints_escalate_overdue(*, now: dt.datetime | None = None, limit: int = 1000) -> list[ComplaintEscalation]:
    """Escalate every open complaint whose deadline passed (the periodic task's work)."""
    now = now or timezone.now()
    created = []
    for pk in list(overdue_candidates(now=now).values_list("pk", flat=True)[:limit]):
        created.extend(complaint_escalate(complaint=pk, now=now))
    return created


def _escalation_email(notification: ComplaintNotification) -> EmailMessage:
    escalation = notification.escalation
    complaint = escalation.complaint
    path = reverse("complaints:detail", args=[complaint.pk])
    base = getattr(settings, "CRM_BASE_URL", "").rstrip("/")
    subject = _("[Overdue] Complaint #%(id)s at %(property)s: %(what)s") % {
        "id": complaint.pk,
        "property": complaint.property.code,
        "what": ComplaintEscalation.Kind(escalation.kind).label,
    }
    body = "\n".join(
        [
            _("Complaint #%(id)s is overdue and escalated to you as duty manager.") % {"id": complaint.pk},
            "",
            _("Property: %(p)s") % {"p": complaint.property.name},
            _("Guest: %(g)s") % {"g": complaint.guest.display_name if complaint.guest_id else _("not linked")},
            _("Severity: %(s)s") % {"s": complaint.get_severity_display()},
            _("Category: %(c)s") % {"c": complaint.get_category_display()},
            _("Status: %(s)s") % {"s": complaint.get_status_display()},
            _("Assignee: %(a)s")
            % {"a": complaint.assignee.get_username() if complaint.assignee_id else _("nobody yet")},
            _("Deadline missed: %(d)s") % {"d": timezone.localtime(escalation.deadline).strftime("%Y-%m-%d %H:%M %Z")},
            "",
            complaint.description[:500],
            "",
            f"{base}{path}",
        ]
    )
    return EmailMessage(subject=subject, body=body, to=[notification.recipient.email])


def escalation_emails_send_pending(*, limit: int = 200) -> int:
    """E-mail the escalation notifications not e-mailed yet; each is sent once (its
    ``emailed_at`` is set in the same transaction that holds its row lock)."""
    sent = 0
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        pending = list(
            ComplaintNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True, recipient__email__gt="")
            .select_related(
                "recipient",
                "escalation__complaint__property",
                "escalation__complaint__guest",
                "escalation__complaint__assignee",
            )
            .order_by("pk")[:limit]
        )
        if not pending:
            return 0
        connection = get_connection()
        now = timezone.now()
        delivered = []
        for notification in pending:
            try:
                connection.send_messages([_escalation_email(notification)])
            except Exception:  # a bad address or a mail server hiccup: retried next run
                logger.exception("escalation e-mail %s not sent", notification.pk)
                continue
            notification.emailed_at = now
            delivered.append(notification)
        ComplaintNotification.objects.bulk_update(delivered, ["emailed_at"])
        sent = len(delivered)
    return sent


def notification_acknowledge(*, notification_id: int, by) -> None:
    updated = ComplaintNotification.objects.filter(
        pk=notification_id, recipient=by, acknowledged_at__isnull=True
    ).update(acknowledged_at=timezone.now())
    if not updated:
        raise NotFound(_("Notification not found."))


# --- guest merge and erasure ----------------------------------------------------------------


def complaints_move_guest(merged_id: int, survivor_id: int) -> dict:
    """Merge handler: the duplicate's complaints move to the survivor (statuses untouched)."""
    ids = list(Complaint.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    Complaint.objects.filter(pk__in=ids).update(guest_id=survivor_id, updated_at=timezone.now())
    return {"complaints": ids}


def complaints_restore_guest(moved: dict, merged_id: int, survivor_id: int) -> None:
    """Undo of a merge: exactly the complaints that moved go back."""
    Complaint.objects.filter(pk__in=moved.get("complaints", []), guest_id=survivor_id).update(
        guest_id=merged_id, updated_at=timezone.now()
    )


def complaints_scrub_guests(guest_ids) -> None:
    for guest_id in guest_ids:
        _complaints_scrub_guest(guest_id)


def _complaints_scrub_guest(guest_id: int) -> None:
    """On erasure: the guest's words go (description, feedback, timeline comments); the
    complaint itself stays for the statistics (category, severity, deadlines, outcome)."""
    if guest_id is None:
        return
    ids = list(Complaint.objects.filter(guest_id=guest_id).values_list("pk", flat=True))
    if not ids:
        return
    Complaint.objects.filter(pk__in=ids).update(
        description=_("(erased at the guest's request)"), feedback="", updated_at=timezone.now()
    )
    events = list(ComplaintEvent.objects.filter(complaint_id__in=ids))
    for event in events:
        event.comment = ""
        event.data = {k: v for k, v in (event.data or {}).items() if k not in ("feedback", "previous")}
    ComplaintEvent.objects.bulk_update(events, ["comment", "data"])
