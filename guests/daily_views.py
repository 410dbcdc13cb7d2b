"""The daily lists of a property (arrivals, in-house, departures): page, print view, CSV.

Each list is for one of the user's properties (``crm_site.scope``) on one day, the
property's business date by default (its own time zone, not the server's).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from crm_site import scope
from crm_site.csvexport import csv_response

from . import audit, selectors
from .forms import ArrivalsForm

PAGE_TEMPLATE = "guests/daily_list.html"
PRINT_TEMPLATE = "guests/daily_list_print.html"


def _resolve(request, kind: str) -> dict:
    """The form, the property and day asked for, and the list (empty when invalid)."""
    if kind not in selectors.KINDS:
        raise Http404
    properties = scope.properties(request.user)
    data = request.GET.copy()
    if not data.get("property"):
        first = properties.first()
        if first is not None:
            data["property"] = first.code
    form = ArrivalsForm(data, properties=properties)
    context = {"form": form, "kind": kind, "title": selectors.KINDS[kind], "rows": [], "property": None, "day": None}
    if not form.is_valid():
        return context
    prop = form.cleaned_data["property"]
    day = form.cleaned_data["date"] or prop.business_date()
    rows = selectors.daily_list(kind=kind, property=prop, date=day, viewer=request.user)
    # One reverse() for the page instead of one per row (500 on a busy day).
    marker = 987654321987
    pattern = reverse("guests:detail", args=[marker])
    for row in rows:
        if row["guest"] is not None:
            row["url"] = pattern.replace(str(marker), str(row["guest"]["id"]))
    context.update(
        rows=rows,
        property=prop,
        day=day,
        business_date=prop.business_date(),
        totals=selectors.list_totals(rows),
        query=f"property={prop.code}&date={day.isoformat()}",
        prev_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
    )
    return context


def _render(request, kind: str, template: str):
    context = _resolve(request, kind)
    context["kinds"] = [(key, label, f"guests:{key}") for key, label in selectors.KINDS.items()]
    status = 200 if context["form"].is_valid() else 400  # the form names the wrong parameter
    return render(request, template, context, status=status)


@login_required
@permission_required("guests.view_stay", raise_exception=True)
def arrivals(request):
    return _render(request, selectors.ARRIVALS, PAGE_TEMPLATE)


@login_required
@permission_required("guests.view_stay", raise_exception=True)
def in_house(request):
    return _render(request, selectors.IN_HOUSE, PAGE_TEMPLATE)


@login_required
@permission_required("guests.view_stay", raise_exception=True)
def departures(request):
    return _render(request, selectors.DEPARTURES, PAGE_TEMPLATE)


@login_required
@permission_required("guests.view_stay", raise_exception=True)
def daily_print(request, kind: str):
    """The list for the morning briefing: one sheet, no menu, a print stylesheet."""
    return _render(request, kind, PRINT_TEMPLATE)


def _csv_rows(rows: list[dict]):
    yes = _("yes")
    for r in rows:
        stay, guest = r["stay"], r["guest"] or {}
        other = [b["label"] for b in r["badges"] if b["kind"] not in ("tier", "segment")]
        yield [
            stay["room_number"],
            guest.get("display_name", ""),
            guest.get("vip_code", ""),
            stay["confirmation_number"],
            stay["arrival_date"],
            stay["departure_date"],
            stay["nights"],
            r["eta"] or "",
            stay["status"],
            stay["room_type"],
            stay["adults"],
            stay["children"],
            yes if r["vip"] else "",
            r["tier"] or "",
            r["segment"] or "",
            yes if r["first_stay"] else "",
            r["birthday_during_stay"] or "",
            "; ".join(p["preference_label"] + (f" ({p['note']})" if p["note"] else "") for p in r["preferences"]),
            "; ".join(r["alerts"]),
            "; ".join(other),
            stay["special_requests"],
        ]


CSV_HEADER = (
    _lazy("Room"),
    _lazy("Guest"),
    _lazy("VIP code"),
    _lazy("Confirmation"),
    _lazy("Arrival"),
    _lazy("Departure"),
    _lazy("Nights"),
    _lazy("ETA"),
    _lazy("Status"),
    _lazy("Room type"),
    _lazy("Adults"),
    _lazy("Children"),
    _lazy("VIP"),
    _lazy("Tier"),
    _lazy("Segment"),
    _lazy("First stay"),
    _lazy("Birthday during stay"),
    _lazy("Preferences"),
    _lazy("Alerts"),
    _lazy("Open issues"),
    _lazy("Special requests"),
)


@login_required
@permission_required("guests.view_stay", raise_exception=True)
def daily_csv(request, kind: str):
    """The list as CSV (no contact details, no amounts); every export is audited."""
    context = _resolve(request, kind)
    form = context["form"]
    if not form.is_valid():
        return _render(request, kind, PAGE_TEMPLATE)
    prop, day, rows = context["property"], context["day"], context["rows"]
    audit.record_export(
        what=f"daily-list:{kind}", rows=len(rows), by=request.user, property=prop.code, date=day.isoformat()
    )
    header = [str(name) for name in CSV_HEADER]
    return csv_response(f"{kind}-{prop.code}-{day.isoformat()}.csv", header, _csv_rows(rows))
