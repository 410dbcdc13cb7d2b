"""Reads shaped for the care screens and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Min, Q, QuerySet
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm_site import roles, scope
from guests.models import Property

from . import rules
from .models import CareTask, ChurnReason, ChurnScan, ChurnWarning, ContactLog, StaySurvey

SEGMENT_LABELS = {
    "vip": gettext_lazy("VIP"),
    "major": gettext_lazy("Major"),
    "ordinary": gettext_lazy("Ordinary"),
    "small": gettext_lazy("Small"),
    "inactive": gettext_lazy("Inactive"),
    "prospect": gettext_lazy("Prospect"),
}
SEGMENT_CHOICES = list(SEGMENT_LABELS.items())


def segment_label(segment: str) -> str:
    return str(SEGMENT_LABELS.get(segment or "", _("Unknown")))


# --- Explaining a warning ---------------------------------------------------------------


def _lapsed_text(lapsed: dict, on: dt.date | None) -> str:
    days = lapsed.get("days_since_last_departure")
    try:
        days = ((on or timezone.localdate()) - dt.date.fromisoformat(lapsed["last_departure"])).days
    except (KeyError, TypeError, ValueError):
        pass
    text = _("No stay for %(days)s days since the last departure on %(date)s.") % {
        "days": days,
        "date": lapsed.get("last_departure"),
    }
    if lapsed.get("median_gap_days") is not None:
        text += " " + _(
            "The guest usually came back every %(gap)s days (median over %(visits)s visits), "
            "so the threshold is %(threshold)s days."
        ) % {
            "gap": lapsed.get("median_gap_days"),
            "visits": lapsed.get("visits"),
            "threshold": lapsed.get("threshold_days"),
        }
    return text


def _declining_text(declining: dict) -> str:
    return _("%(recent)s stays in the last 12 months against %(previous)s in the 12 months before.") % {
        "recent": declining.get("stays_last_12_months"),
        "previous": declining.get("stays_previous_12_months"),
    }


def _at_risk_text(at_risk: dict) -> str:
    parts = []
    n = at_risk.get("unresolved_complaints") or 0
    if n:
        parts.append(ngettext("%(n)d unresolved complaint", "%(n)d unresolved complaints", n) % {"n": n})
    n = at_risk.get("low_rated_complaints") or 0
    if n:
        parts.append(
            ngettext(
                "%(n)d complaint rated 3 or less after resolution",
                "%(n)d complaints rated 3 or less after resolution",
                n,
            )
            % {"n": n}
        )
    n = at_risk.get("low_surveys") or 0
    if n:
        parts.append(
            ngettext(
                "%(n)d stay survey scored 3 or less (lowest %(worst)s)",
                "%(n)d stay surveys scored 3 or less (lowest %(worst)s)",
                n,
            )
            % {"n": n, "worst": at_risk.get("lowest_survey")}
        )
    return _("%(segment)s guest: %(signals)s.") % {
        "segment": segment_label(at_risk.get("segment", "")),
        "signals": "; ".join(parts),
    }


def explain_reasons(reasons: dict, *, on: dt.date | None = None) -> list[dict]:
    """Each reason of a warning as a sentence with its numbers, in the active language.
    The days since the last departure are counted to ``on`` (default today): the stored
    figure is as of the scan that last changed the warning."""
    reasons = reasons or {}
    texts = {
        ChurnReason.LAPSED: lambda r: _lapsed_text(r, on),
        ChurnReason.DECLINING: _declining_text,
        ChurnReason.AT_RISK: _at_risk_text,
    }
    return [
        {"code": code.value, "label": str(code.label), "text": explain(reasons[code])}
        for code, explain in texts.items()
        if reasons.get(code)
    ]


# --- Warnings ---------------------------------------------------------------------------


def can_use_worklist(user) -> bool:
    return user.is_authenticated and (user.has_perm("care.change_churnwarning") or rules.is_sales_user(user))


def visible_warnings(user) -> QuerySet[ChurnWarning]:
    """Sales managers work every warning; a salesperson without that permission works the
    warnings assigned to them; other roles with the view permission read them all — each
    within their properties (``crm_site.scope``: the hotel of the guest's last stay)."""
    base = scope.scoped(ChurnWarning, user)
    if not user.is_authenticated:
        return base.none()
    if user.has_perm("care.change_churnwarning"):
        return base
    if rules.is_sales_user(user):
        return base.filter(assigned_to=user)
    if user.has_perm("care.view_churnwarning"):
        return base
    return base.none()


def worklist(user) -> QuerySet[ChurnWarning]:
    """The warnings a user may see, with what a row shows, best score first."""
    return (
        visible_warnings(user)
        .select_related("guest", "last_property", "assigned_to")
        .order_by("-score", "last_departure", "id")
    )


def assignable_users() -> QuerySet:
    """Sales managers and salespeople: who a warning can be assigned to (one query)."""
    User = get_user_model()
    ids = User.objects.filter(is_active=True).filter(
        Q(groups__name=roles.SALES_MANAGER) | Q(staff_profile__is_salesperson=True)
    )
    return User.objects.filter(pk__in=ids.values("pk")).order_by("first_name", "last_name", "username")


def last_scan() -> ChurnScan | None:
    return ChurnScan.objects.order_by("-as_of").first()


def warning_contacts(warning: ChurnWarning, limit: int = 50) -> list[ContactLog]:
    return list(
        ContactLog.objects.filter(guest_id=warning.guest_id)
        .select_related("created_by", "care_task__email")
        .order_by("-created_at", "-id")[:limit]
    )


def _month_bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(start.replace(day=1), dt.time.min, tzinfo=tz)
    next_month = (end.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    high = dt.datetime.combine(next_month, dt.time.min, tzinfo=tz)
    return low, high


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def lost_analysis(*, start: dt.date, end: dt.date, property: Property | None = None, viewer=None) -> dict:
    """Guests lost per month (by the day the loss was recorded) at the viewer's
    properties: why, and to whom (competitors, case-insensitive).  Two queries."""
    low, high = _month_bounds(start, end)
    lost = scope.scoped(ChurnWarning, viewer).filter(
        outcome=ChurnWarning.Outcome.LOST, closed_at__gte=low, closed_at__lt=high
    )
    if property is not None:
        lost = lost.filter(last_property=property)
    months = _months(start, end)
    by_reason = OrderedDict((m, {}) for m in months)
    reason_totals: dict[str, int] = {}
    for row in lost.annotate(month=TruncMonth("closed_at")).values("month", "lost_reason").annotate(n=Count("id")):
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        by_reason.setdefault(month, {})[row["lost_reason"]] = row["n"]
        reason_totals[row["lost_reason"]] = reason_totals.get(row["lost_reason"], 0) + row["n"]
    competitors: dict[str, dict] = {}
    for row in (
        lost.exclude(competitor="")
        .annotate(month=TruncMonth("closed_at"), key=Lower("competitor"))
        .values("month", "key")
        .annotate(n=Count("id"), name=Min("competitor"))
    ):
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        entry = competitors.setdefault(row["key"], {"name": row["name"], "total": 0, "months": {}})
        entry["months"][month] = entry["months"].get(month, 0) + row["n"]
        entry["total"] += row["n"]
    reasons = [
        {"code": code, "label": str(label), "total": reason_totals.get(code, 0)}
        for code, label in ChurnWarning.LostReason.choices
        if code
    ]
    rows = []
    for month in months:
        counts = by_reason.get(month, {})
        rows.append(
            {
                "month": month,
                "counts": [counts.get(r["code"], 0) for r in reasons],
                "total": sum(counts.values()),
            }
        )
    competitor_rows = sorted(competitors.values(), key=lambda c: (-c["total"], c["name"]))
    for entry in competitor_rows:
        entry["counts"] = [entry["months"].get(m, 0) for m in months]
    return {
        "months": months,
        "reasons": reasons,
        "rows": rows,
        "competitors": competitor_rows,
        "total": sum(r["total"] for r in rows),
        "max_month": max((r["total"] for r in rows), default=0),
    }


# --- Care list ---------------------------------------------------------------------------


def visible_care_tasks(user) -> QuerySet[CareTask]:
    return scope.scoped(CareTask, user)


def care_list(
    *, user, day: dt.date, status: str | None = CareTask.Status.OPEN, kind: str = "", property: Property | None = None
) -> QuerySet[CareTask]:
    """Care items due from a few days back (missed follow-ups) to the end of the week."""
    tasks = visible_care_tasks(user).filter(
        due_date__gte=day - dt.timedelta(days=rules.POST_STAY_CATCH_UP_DAYS),
        due_date__lte=day + dt.timedelta(days=rules.LOOKAHEAD_DAYS - 1),
    )
    if status:
        tasks = tasks.filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    if property is not None:
        tasks = tasks.filter(property=property)
    return tasks.select_related("guest", "property", "stay", "done_by", "email").order_by("due_date", "kind", "id")


def care_task_summary(task: CareTask) -> str:
    details = task.details or {}
    if task.kind == CareTask.Kind.BIRTHDAY:
        text = _("Birthday on %(date)s") % {"date": details.get("date", task.due_date.isoformat())}
    elif task.kind == CareTask.Kind.ANNIVERSARY:
        text = ngettext(
            "%(years)d year since the first stay (%(first)s)",
            "%(years)d years since the first stay (%(first)s)",
            details.get("years") or 0,
        ) % {"years": details.get("years") or 0, "first": details.get("first_stay", "")}
    elif task.kind == CareTask.Kind.POST_STAY:
        text = _("Checked out on %(date)s") % {"date": details.get("departure_date", "")}
    else:
        text = _("Lapsed: no stay for %(days)s days (score %(score)s)") % {
            "days": details.get("days_since_last_departure", "?"),
            "score": details.get("score", "?"),
        }
    if details.get("why") == "arriving":
        text += " · " + _("arriving %(date)s") % {"date": details.get("arrival_date", "")}
    if details.get("segment"):
        text += " · " + segment_label(details["segment"])
    return text


def last_care_build() -> dt.date | None:
    return CareTask.objects.order_by("-built_on").values_list("built_on", flat=True).first()


# --- Surveys -------------------------------------------------------------------------------


def visible_surveys(user) -> QuerySet[StaySurvey]:
    return scope.scoped(StaySurvey, user)


def satisfaction_summary(surveys: QuerySet[StaySurvey]) -> dict:
    """Count, average and top-box share (only 5 counts as completely satisfied), in one
    query."""
    figures = surveys.aggregate(
        count=Count("id"),
        average=Avg("overall"),
        top_box=Count("id", filter=Q(overall=5)),
        **{f"score_{n}": Count("id", filter=Q(overall=n)) for n in range(1, 6)},
    )
    count = figures["count"] or 0
    return {
        "count": count,
        "average": round(float(figures["average"]), 2) if figures["average"] is not None else None,
        "top_box": figures["top_box"],
        "top_box_share": round(100 * figures["top_box"] / count, 1) if count else None,
        "distribution": {n: figures[f"score_{n}"] for n in range(1, 6)},
    }


def satisfaction_by_property(surveys: QuerySet[StaySurvey]) -> list[dict]:
    rows = (
        surveys.values("stay__property__code", "stay__property__name")
        .annotate(count=Count("id"), average=Avg("overall"), top_box=Count("id", filter=Q(overall=5)))
        .order_by("stay__property__code")
    )
    return [
        {
            "property": r["stay__property__code"],
            "name": r["stay__property__name"],
            "count": r["count"],
            "average": round(float(r["average"]), 2) if r["average"] is not None else None,
            "top_box_share": round(100 * r["top_box"] / r["count"], 1) if r["count"] else None,
        }
        for r in rows
    ]


# --- Guest 360 section and badges ------------------------------------------------------------


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def contact_text(entry: ContactLog) -> str:
    details = entry.details or {}
    if entry.kind == ContactLog.Kind.WARNING_ASSIGNED:
        if details.get("assignee"):
            return _("Churn warning assigned to %(name)s") % {"name": details["assignee"]}
        return _("Churn warning unassigned")
    if entry.kind == ContactLog.Kind.WARNING_OUTCOME:
        text = _("Churn warning: %(outcome)s") % {"outcome": entry.get_outcome_display()}
        if details.get("lost_reason"):
            text += " — " + str(ChurnWarning.LostReason(details["lost_reason"]).label)
        if details.get("competitor"):
            text += " · " + _("competitor: %(name)s") % {"name": details["competitor"]}
        return text
    kind = details.get("care_kind")
    kind_label = str(CareTask.Kind(kind).label) if kind in CareTask.Kind.values else ""
    if entry.kind == ContactLog.Kind.CARE_EMAIL:
        return email_state_text(entry.care_task.email_status if entry.care_task_id else "") % {"kind": kind_label}
    return _("Care item done: %(kind)s") % {"kind": kind_label}


_EMAIL_STATE_TEXT = {
    "pending": gettext_lazy("Care e-mail queued: %(kind)s"),
    "sent": gettext_lazy("Care e-mail sent: %(kind)s"),
    "failed": gettext_lazy("Care e-mail failed: %(kind)s"),
    "cancelled": gettext_lazy("Care e-mail cancelled: %(kind)s"),
}


def email_state_text(status: str) -> str:
    """What became of a care e-mail, read from its outbox row: queued, sent (the mail
    server accepted it), failed or cancelled."""
    return str(_EMAIL_STATE_TEXT.get(status, gettext_lazy("Care e-mail: %(kind)s")))


_EMAIL_LABELS = {
    "pending": gettext_lazy("E-mail queued"),
    "sent": gettext_lazy("E-mail sent"),
    "failed": gettext_lazy("E-mail failed"),
    "cancelled": gettext_lazy("E-mail cancelled"),
}


def care_email_label(task: CareTask) -> str:
    """The care list's note on the item's e-mail (empty when none was queued)."""
    return str(_EMAIL_LABELS.get(task.email_status, ""))
