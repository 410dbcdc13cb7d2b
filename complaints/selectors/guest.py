"""Complaints on the guest 360 page, in search badges and for the churn scan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.extensions import Badge
from guests.models import Guest

from ..models import Complaint
from .queue import with_stayed_again

# Above this many ids, reading every complaint of the window is cheaper than a huge IN list.
_IN_LIST_LIMIT = 5000


def guest_section_profile(guest: Guest, viewer, limit: int = 10) -> dict:
    """The complaints block of the guest 360 page and profile API (two queries): the
    guest's latest complaints at the viewer's properties with their outcome, and counts."""
    # viewer=None: the system itself (e.g. a privacy export) sees every property.
    # values() rows: the block shows columns, not complaints to work on (no instances).
    rows = list(
        with_stayed_again(scope.scoped(Complaint.objects.filter(guest=guest), viewer))
        .order_by("-received_at", "-pk")
        .values(*_ROW_FIELDS)[:limit]
    )
    home = scope.home_properties(viewer)
    figures = {"total": Count("pk"), "open": Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES))}
    if home is not None:
        figures["elsewhere"] = Count("pk", filter=~Q(property__in=home.values("pk")))
    counts = {"elsewhere": 0, **Complaint.objects.filter(guest=guest).aggregate(**figures)}
    can_log = viewer is not None and viewer.has_perm("complaints.add_complaint")
    return {
        "total": counts["total"],
        "open": counts["open"],
        "other_properties": counts["elsewhere"],
        "log_url": f"{reverse('complaints:create')}?guest={guest.pk}" if can_log else None,
        "complaints": [_row(c) for c in rows],
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
    with_open = set(
        Complaint.objects.filter(guest_id__in_ids=guest_ids, status__in=Complaint.OPEN_STATUSES)
        .values_list("guest_id", flat=True)
        .distinct()
    )
    return {gid: [Badge(_("Open complaint"), "danger")] for gid in with_open}


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
