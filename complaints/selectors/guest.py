"""Complaints on the guest 360 page, in search badges and for the churn scan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, Q, Value, When, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.extensions import Badge
from crm_site.prepared import Prepared
from guests.models import Guest

from ..models import Complaint
from .queue import with_stayed_again

# Above this many ids, reading every complaint of the window is cheaper than a huge IN list.
_IN_LIST_LIMIT = 5000


def _section_rows(*, guest_id: int, limit: int, user_id: int | None = None):
    """The statement of :func:`guest_section_profile`: the guest's complaints, the
    viewer's first (``user_id``: a viewer bound to their hotels), with the counts of all
    of them as window counts taken before the limit."""
    figures = {"total": Window(Count("pk")), "open": Window(Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)))}
    complaints = with_stayed_again(Complaint.objects.filter(guest_id=guest_id))
    order = ["-received_at", "-pk"]
    columns = [*_ROW_FIELDS]
    if user_id is not None:
        mine = scope.condition_of_user_id(Complaint, user_id)
        figures["elsewhere"] = Window(Count("pk", filter=~mine))
        complaints = complaints.annotate(mine=Case(When(mine, then=Value(1)), default=Value(0)))
        order.insert(0, "-mine")
        columns.append("mine")
    complaints = complaints.annotate(**{f"count_{key}": window for key, window in figures.items()})
    return complaints.order_by(*order).values(*columns, *(f"count_{key}" for key in figures))[:limit]


_section_statement = Prepared(_section_rows)


def guest_section_profile(guest: Guest, viewer, limit: int = 10) -> dict:
    """The complaints block of the guest 360 page and profile API (one query): the
    guest's latest complaints at the viewer's properties with their outcome, and the
    counts of all the guest's complaints (window counts over the guest's complaints in
    the chain; the viewer's own sort first and the others are dropped from the rows)."""
    # viewer=None: the system itself (e.g. a privacy export) sees every property.
    # values() rows: the block shows columns, not complaints to work on (no instances).
    user_id = scope.bound_user_id(viewer)
    if user_id is None:
        rows = _section_statement({"limit": limit}, guest_id=guest.pk)
    else:
        rows = _section_statement({"limit": limit}, guest_id=guest.pk, user_id=user_id)
    first = rows[0] if rows else {}
    can_log = viewer is not None and viewer.has_perm("complaints.add_complaint")
    return {
        "total": first.get("count_total", 0),
        "open": first.get("count_open", 0),
        "other_properties": first.get("count_elsewhere", 0),
        "log_url": f"{reverse('complaints:create')}?guest={guest.pk}" if can_log else None,
        "complaints": [_row(c) for c in rows if user_id is None or c["mine"]],
    }


_ROW_FIELDS = (
    "id",
    "received_at",
    "property__code",
    "category",
    "severity",
    "status",
    "action_taken",
    "compensation_points",
    "compensation_money",
    "compensation_currency",
    "satisfaction",
    "stayed_again",
)


def _label(choices, value) -> str:
    """``get_<field>_display()`` of a values() row (the value itself when unknown)."""
    return str(dict(choices).get(value, value))


def _row(c: dict) -> dict:
    return {
        "id": c["id"],
        "url": reverse("complaints:detail", args=[c["id"]]),
        "received_at": c["received_at"].isoformat(),
        "property": c["property__code"],
        "category": _label(Complaint.Category.choices, c["category"]),
        "severity": c["severity"],
        "severity_label": _label(Complaint.Severity.choices, c["severity"]),
        "status": c["status"],
        "status_label": _label(Complaint.Status.choices, c["status"]),
        "is_open": c["status"] in Complaint.OPEN_STATUSES,
        "action_taken": c["action_taken"],
        "compensation_points": c["compensation_points"],
        "compensation_money": str(c["compensation_money"]) if c["compensation_money"] else None,
        "compensation_currency": c["compensation_currency"],
        "satisfaction": c["satisfaction"],
        "stayed_again": c["stayed_again"],
    }


def open_complaint_badges(guest_ids: list[int]) -> dict[int, list[Badge]]:
    """An "open complaint" badge for each guest with an unresolved complaint (one query)."""
    with_open = set(_with_open_complaints(guest_ids=list(guest_ids)))
    return {gid: [Badge(_("Open complaint"), "danger")] for gid in with_open}


def _open_complaints(*, guest_ids: list[int]):
    return (
        Complaint.objects.filter(guest_id__in_ids=guest_ids, status__in=Complaint.OPEN_STATUSES)
        .values_list("guest_id", flat=True)
        .distinct()
    )


_with_open_complaints = Prepared(_open_complaints)  # compiled once (crm_site.prepared)


def open_complaint_badges_from_section(data: dict) -> list[Badge]:
    """The same badge from the 360 view's complaints block, whose ``open`` counts every
    property's complaints as the badge does (no query)."""
    return [Badge(_("Open complaint"), "danger")] if data["open"] else []


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
