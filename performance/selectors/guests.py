"""Guest-level rates: repeat rate, first-to-second-stay conversion within 12 months,
member activity by tier and the churn rate from the churn warnings.

Guests are counted once however many stays they had, so the figures are not sums of
the daily facts: they are read from the guest journeys' small sums
(``GuestRateFact``, ``CohortFact``, kept by ``performance.services.journeys``) in whole
calendar months, plus one grouped query each over the memberships and the churn
warnings.  Five queries whatever the period or the chain's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from care.models import ChurnWarning
from guests.models import Guest, Stay
from loyalty.models import Membership, PointsTransaction, Tier

from ..models import CohortFact, GuestRateFact, JourneyStay
from ..services.journeys import CHAIN, CONVERSION_DAYS, REALISED_STATUSES, month_number, month_start
from .common import definitions, rate
from .filters import ReportFilter, report_filter, year_back

FIELDS = ("property", "start", "end", "granularity")
ACTIVE_MONTHS = 12  # "active": a realised stay in the 12 months before (churn) / up to (members) a date
# How a churn warning opened in the period stands now (care.ChurnWarning's outcomes).
CHURN_OUTCOMES = ("won_back", "returned", "rebooked", "cleared", "lost")


def guest_filter(params, *, user) -> ReportFilter:
    """The report's filters: property and period (whole months; granularity only
    ``month``); the other dimensions describe bookings, not guests, and are refused by
    name.  A viewer bound to some hotels sees their first hotel unless they name one (the
    hotel whose business date ``crm_site.timezones.hotel_today`` takes): a guest staying
    at two of them would otherwise count twice or need a scan of their stays."""
    f = report_filter(params, user=user, fields=FIELDS, granularities=("month",))
    if f.prop is None and f.property_ids is not None:
        from crm_site import scope

        first = scope.properties(user).first()
        f = ReportFilter(start=f.start, end=f.end, prop=first, property_ids=f.property_ids)
        if first is None:  # no hotel at all: nothing to count
            f = ReportFilter(start=f.start, end=f.end, property_ids=frozenset())
    return f


class _Months:
    """The ``GuestRateFact`` cells of one scope, by arrival month."""

    def __init__(self, rows):
        self.by_month: dict[int, list[tuple]] = defaultdict(list)
        for month, lag, lag_month, earlier, stays in rows:
            self.by_month[month].append((lag, lag_month, earlier, stays))

    def guests(self, first: int, last: int) -> dict:
        """Distinct guests with a realised stay arriving in months ``first``..``last``: a
        guest's first stay there is the one whose stay before (in the scope) is older."""
        guests = repeat = seconds = repeat_before = 0
        for month in range(first, last + 1):
            for lag, lag_month, earlier, stays in self.by_month.get(month, ()):
                if lag_month >= first:
                    continue
                if lag == 2:
                    seconds += stays
                    continue
                guests += stays
                repeat += stays if earlier else 0
                repeat_before += stays if lag_month else 0
        # Stays whose stay-before-last is older: each guest's second stay in the months,
        # plus the first ones of guests with a stay before the months.
        multi = seconds - repeat_before
        return {
            "guests": guests,
            "repeat_guests": repeat,
            "first_time_guests": guests - repeat,
            "repeat_rate": rate(repeat, guests),
            "multi_stay_guests": multi,
            "multi_stay_rate": rate(multi, guests),
        }


def _scope_q(f: ReportFilter, field: str) -> Q:
    if f.prop is not None:
        return Q(**{field: f.prop.pk})
    if f.property_ids is not None:  # a viewer without any hotel
        return Q(pk__in=[])
    return Q()


def _points(current, previous) -> float | None:
    return None if current is None or previous is None else round(current - previous, 6)


def _repeat(cells: _Months, first: int, last: int) -> dict:
    total, ly = cells.guests(first, last), cells.guests(first - 12, last - 12)
    rows = []
    for month in range(first, last + 1):
        now, before = cells.guests(month, month), cells.guests(month - 12, month - 12)
        rows.append({"month": month_start(month), **now, "last_year_repeat_rate": before["repeat_rate"]})
    return {
        "total": total,
        "last_year_total": ly,
        "change": {
            "repeat_rate_points": _points(total["repeat_rate"], ly["repeat_rate"]),
            "multi_stay_rate_points": _points(total["multi_stay_rate"], ly["multi_stay_rate"]),
        },
        "by_month": rows,
    }


def _cohort_total(rows: list[dict]) -> dict:
    mature = [r for r in rows if not r["maturing"]]
    guests, converted = sum(r["guests"] for r in mature), sum(r["converted"] for r in mature)
    return {
        "guests": guests,
        "converted": converted,
        "conversion_rate": rate(converted, guests),
        "maturing_months": sum(1 for r in rows if r["maturing"]),
        "maturing_guests": sum(r["guests"] for r in rows if r["maturing"]),
    }


def _conversion(f: ReportFilter, first: int, last: int, today: dt.date) -> dict:
    facts = (
        CohortFact.objects.filter(_scope_q(f, "property_id"), cohort_month__range=(first - 12, last))
        .values("cohort_month")
        .annotate(guests=Sum("guests"), converted=Sum("converted"), last_departure=Max("first_departure"))
    )
    found = {r["cohort_month"]: r for r in facts}
    window = dt.timedelta(days=CONVERSION_DAYS)

    def row(month: int) -> dict:
        r = found.get(month, {"guests": 0, "converted": 0, "last_departure": None})
        closes = r["last_departure"] + window if r["last_departure"] else None
        return {
            "month": month_start(month),
            "guests": r["guests"],
            "converted": r["converted"],
            "conversion_rate": rate(r["converted"], r["guests"]),
            "window_closes": closes,
            "maturing": closes is not None and today <= closes,
        }

    rows = [row(m) for m in range(first, last + 1)]
    last_year = [row(m) for m in range(first - 12, last - 11)]
    total, ly = _cohort_total(rows), _cohort_total(last_year)
    return {
        "total": total,
        "last_year_total": ly,
        "change": {"conversion_rate_points": _points(total["conversion_rate"], ly["conversion_rate"])},
        "by_month": rows,
    }


def _members(f: ReportFilter, end: dt.date) -> dict:
    since = year_back(end) + dt.timedelta(days=1)
    stayed = Stay.objects.filter(
        guest_id=OuterRef("guest_id"), status__in=REALISED_STATUSES, arrival_date__range=(since, end)
    )
    earned = PointsTransaction.objects.filter(
        membership_id=OuterRef("pk"), kind=PointsTransaction.Kind.EARN, effective_on__range=(since, end)
    )
    members = Membership.objects.filter(
        Exists(Guest.objects.active().filter(pk=OuterRef("guest_id"))), enrolled_on__lte=end
    )
    if f.prop is not None or f.property_ids is not None:
        home = JourneyStay.objects.filter(_scope_q(f, "property_id"), seq=1).values("guest_id")
        members = members.filter(guest_id__in=home)
    counts = {
        r["tier"]: r
        for r in members.order_by()
        .values("tier")
        .annotate(members=Count("pk"), active=Count("pk", filter=Q(Exists(stayed)) | Q(Exists(earned))))
    }
    rows = []
    for tier in Tier.objects.order_by("rank"):
        r = counts.get(tier.pk, {"members": 0, "active": 0})
        rows.append(
            {
                "tier": tier.code,
                "label": tier.display_name,
                "members": r["members"],
                "active_members": r["active"],
                "activity_rate": rate(r["active"], r["members"]),
            }
        )
    total, active = sum(r["members"] for r in rows), sum(r["active_members"] for r in rows)
    return {
        "as_of": end,
        "since": since,
        "total": {"members": total, "active_members": active, "activity_rate": rate(active, total)},
        "by_tier": rows,
    }


def _warnings(f: ReportFilter, first: int, last: int) -> dict[int, dict[str, int]]:
    start, end = month_start(first - 12), month_start(last + 1) - dt.timedelta(days=1)
    rows = (
        ChurnWarning.objects.filter(_scope_q(f, "last_property_id"), opened_on__range=(start, end))
        .annotate(month=TruncMonth("opened_on"))
        .order_by()
        .values("month", "status", "outcome")
        .annotate(n=Count("pk"))
    )
    found: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        month = found[month_number(r["month"])]
        month["opened"] += r["n"]
        month["open" if r["status"] == ChurnWarning.Status.OPEN else r["outcome"]] += r["n"]
    return found


def _churn_figures(warnings: dict, cells: _Months, first: int, last: int) -> dict:
    counts = defaultdict(int)
    for month in range(first, last + 1):
        for key, n in warnings.get(month, {}).items():
            counts[key] += n
    active = cells.guests(first - ACTIVE_MONTHS, first - 1)["guests"]
    return {
        "active_at_start": active,
        "opened": counts["opened"],
        "churn_rate": rate(counts["opened"], active),
        "still_open": counts["open"],
        **{outcome: counts[outcome] for outcome in CHURN_OUTCOMES},
    }


def _churn(f: ReportFilter, cells: _Months, first: int, last: int) -> dict:
    warnings = _warnings(f, first, last)
    total, ly = _churn_figures(warnings, cells, first, last), _churn_figures(warnings, cells, first - 12, last - 12)
    rows = [{"month": month_start(m), **_churn_figures(warnings, cells, m, m)} for m in range(first, last + 1)]
    return {
        "total": total,
        "last_year_total": ly,
        "change": {"churn_rate_points": _points(total["churn_rate"], ly["churn_rate"])},
        "by_month": rows,
    }


def guest_rates(f: ReportFilter, *, today: dt.date | None = None) -> dict:
    """The four guest-level rates over the whole months of ``f``'s period (``today``:
    the report's business date, for the cohorts still maturing)."""
    today = today or (f.prop.business_date() if f.prop else timezone.localdate())
    first, last = month_number(f.start), month_number(f.end)
    end = month_start(last + 1) - dt.timedelta(days=1)
    scope = f.prop.pk if f.prop is not None else CHAIN
    if f.prop is None and f.property_ids is not None:
        scope = -1  # a viewer without any hotel: no cell
    cells = _Months(
        GuestRateFact.objects.filter(scope_id=scope, arrival_month__range=(first - 2 * ACTIVE_MONTHS, last))
        .order_by()
        .values_list("arrival_month", "lag", "lag_month", "has_earlier", "stays")
    )
    return {
        "filters": {
            **f.describe(),
            "granularity": "month",
            "months_start": month_start(first),
            "months_end": end,
            "as_of": today,
        },
        "definitions": definitions(
            "guest_months",
            "guest_scope",
            "repeat_rate",
            "conversion",
            "maturing",
            "members",
            "churn",
            "last_year_months",
        ),
        "repeat": _repeat(cells, first, last),
        "conversion": _conversion(f, first, last, today),
        "members": _members(f, end),
        "churn": _churn(f, cells, first, last),
    }
