"""SLA escalation: a missed deadline goes to the property's duty managers once, as a
notification in their queue and an e-mail queued in the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import NotFound
from outbox.models import OutboundEmail
from outbox.services import email_enqueue

from ..models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintNotification
from ..signals import complaint_escalated
from .common import S, add_event, lock

logger = logging.getLogger(__name__)

EMAIL_KIND = "complaint_escalation"


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


def escalation_email_key(escalation: ComplaintEscalation, recipient) -> str:
    """One e-mail per escalation and duty manager, ever."""
    return f"complaint-escalation-{escalation.pk}-{recipient.pk}"


def escalation_email(complaint: Complaint, escalation: ComplaintEscalation) -> tuple[str, str]:
    """Subject and body of the e-mail to a duty manager (in the site's language)."""
    base = getattr(settings, "CRM_BASE_URL", "").rstrip("/")
    subject = _("[Overdue] Complaint #%(id)s at %(property)s: %(what)s") % {
        "id": complaint.pk,
        "property": complaint.property.code,
        "what": ComplaintEscalation.Kind(escalation.kind).label,
    }
    lines = [
        _("Complaint #%(id)s is overdue and escalated to you as duty manager.") % {"id": complaint.pk},
        "",
        _("Property: %(p)s") % {"p": complaint.property.name},
        _("Guest: %(g)s") % {"g": complaint.guest.display_name if complaint.guest_id else _("not linked")},
        _("Severity: %(s)s") % {"s": complaint.get_severity_display()},
        _("Category: %(c)s") % {"c": complaint.get_category_display()},
        _("Status: %(s)s") % {"s": complaint.get_status_display()},
        _("Assignee: %(a)s") % {"a": complaint.assignee.get_username() if complaint.assignee_id else _("nobody yet")},
        _("Deadline missed: %(d)s") % {"d": timezone.localtime(escalation.deadline).strftime("%Y-%m-%d %H:%M %Z")},
        "",
        complaint.description[:500],
        "",
        f"{base}{reverse('complaints:detail', args=[complaint.pk])}",
    ]
    return subject, "\n".join(lines)


def _notify(complaint: Complaint, escalation: ComplaintEscalation, managers: list, now: dt.datetime) -> int:
    """A notification per duty manager and, for those with an address, an e-mail queued
    in the outbox (sent after commit; retried if the broker or mail server is down)."""
    notifications, queued = [], 0
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = escalation_email(complaint, escalation)
    for manager in managers:
        email: OutboundEmail | None = None
        if manager.email:
            email = email_enqueue(
                kind=EMAIL_KIND,
                key=escalation_email_key(escalation, manager),
                to=manager.email,
                subject=subject,
                body=body,
                guest_id=complaint.guest_id,  # the body names the guest: erasure scrubs it
            )
            queued += 1
        notifications.append(
            ComplaintNotification(escalation=escalation, recipient=manager, created_at=now, email=email)
        )
    ComplaintNotification.objects.bulk_create(notifications)
    if not managers:
        logger.warning(
            "complaint %s escalated but property %s has no duty manager", complaint.pk, complaint.property_id
        )
    return queued


def _escalate_breach(complaint: Complaint, kind: str, deadline: dt.datetime, now: dt.datetime):
    """(escalation, e-mails queued), or (None, 0) when this breach was escalated already."""
    escalation, is_new = ComplaintEscalation.objects.get_or_create(
        complaint=complaint, kind=kind, deadline=deadline, defaults={"escalated_at": now}
    )
    if not is_new:
        return None, 0
    managers = list(duty_managers(complaint.property_id))
    queued = _notify(complaint, escalation, managers, now)
    add_event(
        complaint,
        kind=ComplaintEvent.Kind.ESCALATED,
        at=now,
        by=None,
        from_status=complaint.status,
        to_status=complaint.status,
        comment=str(ComplaintEscalation.Kind(kind).label),
        data={"kind": kind, "deadline": deadline.isoformat(), "notified": [m.get_username() for m in managers]},
    )
    return escalation, queued


def complaint_escalate(*, complaint, now: dt.datetime | None = None) -> tuple[list[ComplaintEscalation], int]:
    """Escalate each breached deadline of one complaint to the property's duty managers,
    once per breach: a notification and an e-mail per duty manager, a timeline entry and
    the complaint marked as escalated — all in one transaction.  Calling it again for the
    same breach does nothing.  Returns the new escalations and the e-mails queued."""
    now = now or timezone.now()
    created: list[ComplaintEscalation] = []
    queued = 0
    with transaction.atomic():
        complaint = lock(complaint)
        for kind, deadline in _breaches(complaint, now):
            escalation, emails = _escalate_breach(complaint, kind, deadline, now)
            if escalation is not None:
                created.append(escalation)
                queued += emails
        if created:
            complaint.last_escalated_at = now
            complaint.save(update_fields=["last_escalated_at", "updated_at"])
            ids, pk = [e.pk for e in created], complaint.pk
            transaction.on_commit(
                lambda: complaint_escalated.send(sender=Complaint, complaint_id=pk, escalation_ids=ids)
            )
    return created, queued


def complaints_escalate_overdue(*, now: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Escalate every open complaint whose deadline passed (the periodic task's work):
    ``{"escalated": escalations made, "emails": e-mails queued}``."""
    now = now or timezone.now()
    counts = {"escalated": 0, "emails": 0}
    for pk in list(overdue_candidates(now=now).values_list("pk", flat=True)[:limit]):
        created, queued = complaint_escalate(complaint=pk, now=now)
        counts["escalated"] += len(created)
        counts["emails"] += queued
    return counts


def notification_acknowledge(*, notification_id: int, by) -> None:
    """Acknowledge one of ``by``'s notices, at one of their properties (``crm_site.scope``)."""
    notices = scope.scoped(ComplaintNotification, by)
    updated = notices.filter(pk=notification_id, recipient=by, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if not updated:
        raise NotFound(_("Notification not found."))
