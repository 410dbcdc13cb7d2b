"""Reads shaped for the complaint screens and endpoints, each in a fixed number of queries.

Everything a user sees is limited to the properties they work with
(``guests.selectors.visible_properties``).  "Time left" is always computed live from the
deadlines, so the queue is right between two runs of the escalation task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.extensions import Badge
from crm_site.roles import CHAIN_WIDE_ROLES
from guests.models import Guest, Property, Stay
from guests.selectors import visible_properties

from . import workflow
from .models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintNotification

S = Complaint.Status
# Stays that show a guest came back: they arrived and were (or are being) accommodated.
RETURN_STAY_STATUSES = (Stay.Status.IN_HOUSE, Stay.Status.CHECKED_OUT)
# Above this many ids, reading every complaint of the window is cheaper than a huge IN list.
_IN_LIST_LIMIT = 5000


# --- building blocks ------------------------------------------------------------------------


def visible_complaints(viewer) -> QuerySet[Complaint]:
    return Complaint.objects.filter(property__in=visible_properties(viewer))


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
        ComplaintNotification.objects.filter(recipient=viewer, acknowledged_at__isnull=True)
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
    works_there = (
        Q(is_superuser=True) | Q(groups__name__in=CHAIN_WIDE_ROLES) | Q(staff_profile__properties__id=property_id)
    )
    ids = User.objects.filter(is_active=True).filter(can_handle).filter(works_there).values("pk")
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
    return list(complaint.events.select_related("by").order_by("at", "pk"))


# --- the guest 360 page, search and arrivals ------------------------------------------------


def guest_section_profile(guest: Guest, viewer, limit: int = 10) -> dict:
    """The complaints block of the guest 360 page and profile API (two queries): the
    guest's latest complaints at the viewer's properties with their outcome, and counts."""
    # viewer=None: the system itself (e.g. a privacy export) sees every property.
    visible = visible_properties(viewer) if viewer is not None else Property.objects.all()
    rows = list(
        with_stayed_again(Complaint.objects.filter(guest=guest, property__in=visible))
        .select_related("property")
        .order_by("-received_at", "-pk")[:limit]
    )
    counts = Complaint.objects.filter(guest=guest).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)),
        elsewhere=Count("pk", filter=~Q(property__in=visible)),
    )
    can_log = viewer is not None and viewer.has_perm("complaints.add_complaint")
    return {
        "total": counts["total"],
        "open": counts["open"],
        "other_properties": counts["elsewhere"],
        "log_url": f"{reverse('complaints:create')}?guest={guest.pk}" if can_log else None,
        "complaints": [
            {
                "id": c.pk,
                "url": reverse("complaints:detail", args=[c.pk]),
                "received_at": c.received_at.isoformat(),
                "property": c.property.code,
                "category": str(c.get_category_display()),
                "severity": c.severity,
                "severity_label": str(c.get_severity_display()),
                "status": c.status,
                "status_label": str(c.get_status_display()),
                "is_open": c.is_open,
                "action_taken": c.action_taken,
                "compensation_points": c.compensation_points,
                "compensation_money": str(c.compensation_money) if c.compensation_money else None,
                "compensation_currency": c.compensation_currency,
                "satisfaction": c.satisfaction,
                "stayed_again": c.stayed_again,
            }
            for c in rows
        ],
    }


def open_complaint_badges(guest_ids: list[int]) -> dict[int, list[Badge]]:
    """An "open complaint" badge for each guest with an unresolved complaint (one query)."""
    with_open = set(
        Complaint.objects.filter(guest_id__in=guest_ids, status__in=Complaint.OPEN_STATUSES)
        .values_list("guest_id", flat=True)
        .distinct()
    )
    return {gid: [Badge(_("Open complaint"), "danger")] for gid in with_open}


def guest_complaint_signals(guest_ids: Iterable[int] | None, since=None) -> dict[int, dict[str, int]]:
    """Complaint signals for the churn scan, in one query: for each guest with complaints
    received on or after ``since`` (a date or datetime; None = all time),
    ``{"unresolved": n, "low_rated": n}`` where unresolved = received/assigned/
    investigating and low_rated = satisfaction ≤ 3.  Guests without such complaints are
    left out (use ``.get(guest_id)``); ``guest_ids=None`` means every guest."""
    qs = Complaint.objects.filter(guest_id__isnull=False)
    if since is not None:
        if isinstance(since, dt.datetime):
            qs = qs.filter(received_at__gte=since)
        else:
            start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
            qs = qs.filter(received_at__gte=start)
    wanted = None
    if guest_ids is not None:
        wanted = set(guest_ids)
        if not wanted:
            return {}
        if len(wanted) <= _IN_LIST_LIMIT:
            qs = qs.filter(guest_id__in=wanted)
    rows = (
        qs.values("guest_id")
        .annotate(
            unresolved=Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)),
            low_rated=Count("pk", filter=Q(satisfaction__lte=3)),
        )
        .order_by()
    )
    return {
        r["guest_id"]: {"unresolved": r["unresolved"], "low_rated": r["low_rated"]}
        for r in rows
        if wanted is None or r["guest_id"] in wanted
    }


# --- analysis -------------------------------------------------------------------------------


def _month_key(value) -> str:
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()[:7]


def _months(start: dt.date, end: dt.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def complaint_analysis(
    *,
    viewer,
    date_from: dt.date,
    date_to: dt.date,
    property: Property | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Figures for the analysis page and API, all aggregated in the database over the
    complaints received between ``date_from`` and ``date_to`` (inclusive) at the viewer's
    properties (or one of them).

    * SLA compliance: resolved by the resolution deadline, out of complaints whose outcome
      is known (resolved, or still open past the deadline); the same for first response.
    * Stayed again: a complainant whose complaint was resolved and who arrived for a stay
      on a later day; split by whether the complaint was resolved within the SLA.
    * Satisfaction top box: only "5" counts as completely satisfied.
    """
    now = now or timezone.now()
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    base = visible_complaints(viewer).filter(received_at__gte=start, received_at__lt=end)
    if property is not None:
        base = base.filter(property=property)

    open_q = Q(status__in=Complaint.OPEN_STATUSES)
    in_sla = Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due"))
    # The outcome is known and it is a miss: resolved late, or still open past the deadline.
    sla_miss = Q(resolved_at__gt=F("resolution_due")) | (open_q & Q(resolution_due__lt=now))
    totals = base.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=overdue_q(now)),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        sla_met=Count("pk", filter=in_sla),
        sla_missed=Count("pk", filter=sla_miss),
        first_met=Count("pk", filter=Q(first_response_at__lte=F("first_response_due"))),
        first_missed=Count(
            "pk",
            filter=Q(first_response_at__gt=F("first_response_due"))
            | Q(first_response_at__isnull=True, first_response_due__lt=now),
        ),
        rated=Count("pk", filter=Q(satisfaction__isnull=False)),
        top_box=Count("pk", filter=Q(satisfaction=5)),
        complainants=Count("guest", distinct=True),
        points=Sum("compensation_points"),
    )

    by_category = {r["category"]: r["n"] for r in base.values("category").annotate(n=Count("pk")).order_by("category")}
    by_property = list(
        base.values("property__code", "property__name")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=open_q),
            sla_met=Count("pk", filter=in_sla),
            sla_missed=Count("pk", filter=sla_miss),
        )
        .order_by("property__code")
    )
    counted = {
        _month_key(r["month"]): r["n"]
        for r in base.annotate(month=TruncMonth("received_at")).values("month").annotate(n=Count("pk")).order_by()
    }
    # Every month of the period, quiet ones included, so the chart's time axis is true.
    by_month = [{"month": key, "n": counted.get(key, 0)} for key in _months(date_from, date_to)]
    satisfaction = {
        r["satisfaction"]: r["n"]
        for r in base.filter(satisfaction__isnull=False)
        .values("satisfaction")
        .annotate(n=Count("pk"))
        .order_by("satisfaction")
    }
    money = list(
        base.filter(compensation_money__gt=0)
        .values("compensation_currency")
        .annotate(total=Sum("compensation_money"), n=Count("pk"))
        .order_by("compensation_currency")
    )

    # Median time to resolve: the middle row(s) of the resolved complaints ordered by
    # duration (portable: no percentile function needed).
    median = None
    if totals["resolved"]:
        n = totals["resolved"]
        durations = (
            base.filter(resolved_at__isnull=False)
            .annotate(duration=ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField()))
            .order_by("duration", "pk")
            .values_list("duration", flat=True)
        )
        middle = list(durations[(n - 1) // 2 : n // 2 + 1])
        median = sum(middle, dt.timedelta()) / len(middle)

    repeaters_qs = (
        base.filter(guest__isnull=False).values("guest_id").annotate(n=Count("pk")).filter(n__gte=2).order_by()
    )
    repeat_rows = list(repeaters_qs.order_by("-n", "guest_id")[:20])
    repeat_count = repeaters_qs.count()
    guests = Guest.objects.in_bulk([r["guest_id"] for r in repeat_rows])
    repeaters = [
        {"guest_id": r["guest_id"], "name": guests[r["guest_id"]].display_name, "complaints": r["n"]}
        for r in repeat_rows
        if r["guest_id"] in guests
    ]

    returned = (
        base.filter(guest__isnull=False, resolved_at__isnull=False)
        .annotate(resolved_on=TruncDate("resolved_at"))
        .annotate(came_back=stayed_again_exists())
        .aggregate(
            complainants=Count("guest", distinct=True),
            returned=Count("guest", distinct=True, filter=Q(came_back=True)),
            fast=Count("guest", distinct=True, filter=in_sla),
            fast_returned=Count("guest", distinct=True, filter=in_sla & Q(came_back=True)),
            slow=Count("guest", distinct=True, filter=~in_sla),
            slow_returned=Count("guest", distinct=True, filter=~in_sla & Q(came_back=True)),
        )
    )

    peak = max((m["n"] for m in by_month), default=0)
    top_score = max(satisfaction.values(), default=0)
    category_labels = dict(Complaint.Category.choices)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "property": property.code if property else None,
        "total": totals["total"],
        "open": totals["open"],
        "overdue": totals["overdue"],
        "resolved": totals["resolved"],
        "by_category": [
            {"category": key, "label": str(label), "count": by_category.get(key, 0)}
            for key, label in category_labels.items()
        ],
        "by_property": [
            {
                "property": r["property__code"],
                "name": r["property__name"],
                "count": r["n"],
                "open": r["open"],
                "sla_compliance": _share(r["sla_met"], r["sla_met"] + r["sla_missed"]),
            }
            for r in by_property
        ],
        "by_month": [
            {
                "month": r["month"],
                "count": r["n"],
                # Bar geometry for the server-side SVG chart (100 units high, 40 wide).
                "height": round(100.0 * r["n"] / peak, 1) if peak else 0,
                "y": round(100.0 - (100.0 * r["n"] / peak), 1) if peak else 100,
                "x": 40 * index,
            }
            for index, r in enumerate(by_month)
        ],
        "chart_width": max(40 * len(by_month), 480),
        "sla": {
            "met": totals["sla_met"],
            "missed": totals["sla_missed"],
            "compliance": _share(totals["sla_met"], totals["sla_met"] + totals["sla_missed"]),
            "first_response_met": totals["first_met"],
            "first_response_missed": totals["first_missed"],
            "first_response_compliance": _share(totals["first_met"], totals["first_met"] + totals["first_missed"]),
        },
        "median_time_to_resolve": median,
        "median_hours_to_resolve": round(median.total_seconds() / 3600, 1) if median is not None else None,
        "repeat_complainers": repeat_count,
        "repeat_complainers_share": _share(repeat_count, totals["complainants"]),
        "repeaters": repeaters,
        "complainants": totals["complainants"],
        "stayed_again": {
            "complainants": returned["complainants"],
            "returned": returned["returned"],
            "share": _share(returned["returned"], returned["complainants"]),
            "within_sla": {
                "complainants": returned["fast"],
                "returned": returned["fast_returned"],
                "share": _share(returned["fast_returned"], returned["fast"]),
            },
            "late": {
                "complainants": returned["slow"],
                "returned": returned["slow_returned"],
                "share": _share(returned["slow_returned"], returned["slow"]),
            },
        },
        "satisfaction": {
            "rated": totals["rated"],
            "top_box": totals["top_box"],
            "top_box_share": _share(totals["top_box"], totals["rated"]),
            "distribution": [
                {
                    "score": score,
                    "count": satisfaction.get(score, 0),
                    "width": round(220.0 * satisfaction.get(score, 0) / top_score, 1) if top_score else 0,
                    "offset": 22 * (score - 1),
                }
                for score in range(1, 6)
            ],
        },
        "compensation": {
            "points": totals["points"] or 0,
            "money": [
                {"currency": r["compensation_currency"], "total": r["total"], "complaints": r["n"]} for r in money
            ],
        },
    }
