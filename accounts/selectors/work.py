"""Activities (a salesperson's agenda, overdue lists), agreements (expiry alerts) and the
account timeline."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..models import (
    AccountEvent,
    Activity,
    ActivityKind,
    ActivityStatus,
    Agreement,
    AgreementStatus,
    Level,
    RoadmapMilestone,
)
from .access import visible_accounts

EXPIRY_ALERT_DAYS = 60
UPCOMING_DAYS = 14


def activities(viewer=None) -> QuerySet[Activity]:
    """Activities of the accounts the viewer sees, with what their rows show."""
    return Activity.objects.filter(account__in=visible_accounts(viewer)).select_related(
        "account", "owner", "contact__guest", "follow_up"
    )


def agenda(*, owner, today: dt.date, viewer=None) -> dict:
    """A salesperson's agenda: overdue, today, the next two weeks, later; and what they
    did in the last two weeks (one query for the open, one for the done)."""
    mine = activities(viewer) if owner is None else activities(viewer).filter(owner=owner)
    open_rows = list(mine.filter(status=ActivityStatus.OPEN).order_by("due_on", "id"))
    soon = today + dt.timedelta(days=UPCOMING_DAYS)
    return {
        "overdue": [a for a in open_rows if a.due_on < today],
        "today": [a for a in open_rows if a.due_on == today],
        "upcoming": [a for a in open_rows if today < a.due_on <= soon],
        "later": [a for a in open_rows if a.due_on > soon],
        "done": list(
            mine.filter(status=ActivityStatus.DONE, done_on__gte=today - dt.timedelta(days=UPCOMING_DAYS)).order_by(
                "-done_on", "-id"
            )
        ),
    }


def agreements(viewer=None) -> QuerySet[Agreement]:
    return Agreement.objects.filter(account__in=visible_accounts(viewer)).select_related("account", "property")


def expiring_agreements(*, today: dt.date, days: int = EXPIRY_ALERT_DAYS, viewer=None) -> list[Agreement]:
    """Sent or signed agreements ending within ``days`` (soonest first), and those whose
    end has passed but which are not marked expired yet."""
    return list(
        agreements(viewer)
        .filter(
            status__in=[AgreementStatus.SENT, AgreementStatus.SIGNED], valid_to__lte=today + dt.timedelta(days=days)
        )
        .order_by("valid_to", "id")
    )


def agreement_state(agreement: Agreement, today: dt.date) -> str:
    """ "expiring" within the alert window, "lapsed" past its end (not marked), or ""."""
    if agreement.status not in (AgreementStatus.SENT, AgreementStatus.SIGNED):
        return ""
    if agreement.valid_to < today:
        return "lapsed"
    if agreement.valid_to <= today + dt.timedelta(days=EXPIRY_ALERT_DAYS):
        return "expiring"
    return ""


# --- Timeline ---------------------------------------------------------------------------


def _level(code) -> str:
    return str(Level(code).label) if code in Level.values else "—"


def _kind(code) -> str:
    return str(ActivityKind(code).label) if code in ActivityKind.values else ""


def _event_text(event: AccountEvent, milestones: dict[str, RoadmapMilestone]) -> str:
    """One readable line for a timeline event, in the viewer's language."""
    data, kind = event.data or {}, event.kind
    activity = event.activity
    subject = activity.subject if activity else ""
    texts = {
        AccountEvent.Kind.LEVEL: lambda: _("%(from)s → %(to)s")
        % {"from": _level(data.get("level_from")), "to": _level(data.get("level_to"))},
        AccountEvent.Kind.ACTIVITY_PLANNED: lambda: f"{_kind(data.get('kind'))}: {subject} ({_('due')} {data.get('due_on', '')})",
        AccountEvent.Kind.ACTIVITY_DONE: lambda: f"{_kind(data.get('kind'))}: {subject}"
        + (f" — {activity.outcome}" if activity and activity.outcome else ""),
        AccountEvent.Kind.ACTIVITY_CANCELLED: lambda: subject,
        AccountEvent.Kind.MILESTONE: lambda: _milestone_label(data.get("milestone"), milestones),
        AccountEvent.Kind.MILESTONE_UNDONE: lambda: _milestone_label(data.get("milestone"), milestones),
        AccountEvent.Kind.AGREEMENT: lambda: _agreement_text(data),
    }
    text = texts.get(kind)
    return text() if text else ""


def _milestone_label(code, milestones) -> str:
    milestone = milestones.get(code)
    return milestone.label if milestone else str(code or "")


def _agreement_text(data: dict) -> str:
    status = data.get("status")
    label = str(AgreementStatus(status).label) if status in AgreementStatus.values else ""
    code = " · ".join(p for p in (data.get("rate_code"), data.get("property")) if p)
    return f"{code} — {label}" if code else label


def account_timeline(account, *, limit: int = 200) -> list[dict]:
    """The account's events, newest first, each as a readable line (two queries)."""
    events = list(
        AccountEvent.objects.filter(account=account).select_related("actor", "activity").order_by("-at", "-id")[:limit]
    )
    codes = {e.data.get("milestone") for e in events if e.data and e.data.get("milestone")}
    milestones = {m.code: m for m in RoadmapMilestone.objects.filter(code__in=codes)} if codes else {}
    return [{"event": e, "text": _event_text(e, milestones)} for e in events]
