"""The building blocks every complaint read uses, the queues and the detail page.

Everything a user sees is limited to the properties they work with (``crm_site.scope``).  "Time left" is always computed live from the
deadlines, so the queue is right between two runs of the escalation task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, DateTimeField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm_site import scope
from guests.models import Stay

from .. import workflow
from ..models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintNotification

S = Complaint.Status
# Stays that show a guest came back: they arrived and were (or are being) accommodated.
RETURN_STAY_STATUSES = (Stay.Status.IN_HOUSE, Stay.Status.CHECKED_OUT)


# --- building blocks ------------------------------------------------------------------------


def visible_complaints(viewer) -> QuerySet[Complaint]:
    return scope.scoped(Complaint, viewer)


def overdue_q(now: dt.datetime) -> Q:
    """Open complaints whose current deadline has passed."""
    return Q(status=S.RECEIVED, first_response_due__lt=now) | Q(
        status__in=Complaint.OPEN_STATUSES, resolution_due__lt=now
    )


def with_deadlines(qs: QuerySet[Complaint], now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Annotate ``next_due`` (the deadline that counts now, none once resolved) and
    ``is_overdue``."""
    now = now or timezone.now()
    return qs.annotate(
        next_due=Case(
            When(status=S.RECEIVED, then=F("first_response_due")),
            When(status__in=[S.ASSIGNED, S.INVESTIGATING], then=F("resolution_due")),
            default=Value(None),
            output_field=DateTimeField(),
        ),
        is_overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def by_time_left(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.order_by(F("next_due").asc(nulls_last=True), "received_at", "pk")


def stayed_again_exists():
    """Exists: the complaint's guest arrived for a stay after the day it was resolved."""
    return Exists(
        Stay.objects.filter(
            guest_id=OuterRef("guest_id"),
            arrival_date__gt=OuterRef("resolved_on"),
            status__in=RETURN_STAY_STATUSES,
        )
    )


def with_stayed_again(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.annotate(resolved_on=TruncDate("resolved_at")).annotate(
        stayed_again=Case(
            When(Q(resolved_at__isnull=True) | Q(guest__isnull=True), then=Value(None)),
            When(stayed_again_exists(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(null=True),
        )
    )


# --- queue ----------------------------------------------------------------------------------


def complaint_list(*, viewer, now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Complaints the viewer may see, with deadlines, sorted by time left (overdue first,
    resolved ones last)."""
    qs = with_deadlines(visible_complaints(viewer), now).select_related(
        "property", "guest", "assignee", "stay", "created_by"
    )
    return by_time_left(qs)


def complaint_queue(*, viewer, mine: bool = False, now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """The work still to do: not closed; ``mine`` limits it to the viewer's complaints."""
    qs = complaint_list(viewer=viewer, now=now).exclude(status=S.CLOSED)
    if mine:
        qs = qs.filter(assignee=viewer)
    return qs


def notifications_for(*, viewer, limit: int = 20) -> list[ComplaintNotification]:
    """Escalations addressed to the viewer and not acknowledged yet."""
    return list(
        scope.scoped(ComplaintNotification, viewer)
        .filter(recipient=viewer, acknowledged_at__isnull=True)
        .select_related("escalation__complaint__property")
        .order_by("-created_at", "-pk")[:limit]
    )


def assignable_users(*, property_id: int) -> QuerySet:
    """Active staff who may handle complaints at the property (one query)."""
    User = get_user_model()
    can_handle = (
        Q(is_superuser=True)
        | Q(groups__permissions__codename="handle_complaint", groups__permissions__content_type__app_label="complaints")
        | Q(user_permissions__codename="handle_complaint", user_permissions__content_type__app_label="complaints")
    )
    ids = User.objects.filter(is_active=True).filter(can_handle).filter(scope.staff_at(property_id)).values("pk")
    return User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")


# --- detail ---------------------------------------------------------------------------------


@dataclass
class ComplaintDetail:
    complaint: Complaint
    events: list[ComplaintEvent]
    escalations: list[ComplaintEscalation]
    transitions: list[workflow.Transition]
    assignees: list = field(default_factory=list)


def complaint_detail(*, complaint_id: int, viewer, now: dt.datetime | None = None) -> ComplaintDetail:
    """One complaint with its timeline, escalations and the moves the viewer may make.
    Raises Complaint.DoesNotExist outside the viewer's properties."""
    complaint = (
        with_stayed_again(with_deadlines(visible_complaints(viewer), now))
        .select_related("property", "guest", "stay", "assignee", "created_by")
        .prefetch_related(
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("by").order_by("at", "pk")),
            Prefetch("escalations", queryset=ComplaintEscalation.objects.order_by("escalated_at", "pk")),
        )
        .get(pk=complaint_id)
    )
    transitions = workflow.allowed_transitions(complaint.status, viewer)
    assignees = []
    if any("assignee" in t.requires for t in transitions):
        assignees = list(assignable_users(property_id=complaint.property_id))
    return ComplaintDetail(
        complaint=complaint,
        events=list(complaint.events.all()),
        escalations=list(complaint.escalations.all()),
        transitions=transitions,
        assignees=assignees,
    )


def complaint_timeline(*, complaint: Complaint) -> list[ComplaintEvent]:
    return list(complaint.events.select_related("by").order_by("at", "pk"))  # complaint: already in scope
