"""Portfolio reads of the sales dashboard: the account Pareto, account decline warnings,
stays on a negotiated rate code not linked to its account, and salesperson scorecards.
Each is a fixed number of grouped queries, whatever the number of accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum

from crm_site import scope
from guests.models import Stay

from ..models import Account, AccountWarningReview, Activity, ActivityStatus, Agreement, AgreementStatus, SalesTarget
from .production import (
    NOT_STAYED,
    ZERO,
    Figures,
    add_months,
    figures_by_key,
    linked,
    measures,
    month_start,
    production_by_account,
)

# --- Pareto --------------------------------------------------------------------------------------


def account_pareto(*, start: dt.date, end: dt.date, share: int = 80) -> dict:
    """Accounts ranked by revenue from arrivals in [start, end), with their cumulative
    share of the accounts' revenue; ``core`` marks the fewest accounts that make ``share``
    per cent of it.  Each account's revenue is its own production (a stay attributed to a
    company and to an agent counts for both).  Two queries."""
    figures = {pk: f for pk, f in production_by_account(start=start, end=end).items() if f.revenue > 0}
    accounts = {
        a["pk"]: a
        for a in Account.objects.filter(pk__in=list(figures)).values(
            "pk", "name", "account_type", "owner_id", "parent_id"
        )
    }
    total = sum((f.revenue for f in figures.values()), ZERO)
    ranked = sorted(figures.items(), key=lambda item: (-item[1].revenue, item[0]))
    rows, running, threshold = [], ZERO, total * share / 100
    for rank, (pk, f) in enumerate(ranked, start=1):
        core = running < threshold
        running += f.revenue
        rows.append(
            {
                "rank": rank,
                "account_id": pk,
                "name": accounts.get(pk, {}).get("name", ""),
                "account_type": accounts.get(pk, {}).get("account_type", ""),
                "figures": f,
                "share": (f.revenue * 100 / total).quantize(Decimal("0.01")) if total else ZERO,
                "cumulative_share": (running * 100 / total).quantize(Decimal("0.01")) if total else ZERO,
                "core": core,
            }
        )
    core = [r for r in rows if r["core"]]
    return {
        "start": start,
        "end": end,
        "share": share,
        "total_revenue": total,
        "accounts": len(rows),
        "core_accounts": len(core),
        "core_revenue": sum((r["figures"].revenue for r in core), ZERO),
        "rows": rows,
    }


# --- Decline warnings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclineRules:
    """``ACCOUNT_DECLINE_*`` settings: compare the last ``months`` full months with the
    same months a year before; warn when revenue fell by ``percent`` or more (from at
    least ``min_revenue``), or when no stay arrived for ``dormant_days``."""

    months: int
    percent: int
    min_revenue: Decimal
    dormant_days: int

    @classmethod
    def from_settings(cls) -> DeclineRules:
        return cls(
            months=int(getattr(settings, "ACCOUNT_DECLINE_MONTHS", 3)),
            percent=int(getattr(settings, "ACCOUNT_DECLINE_PERCENT", 30)),
            min_revenue=Decimal(getattr(settings, "ACCOUNT_DECLINE_MIN_REVENUE", 1000)),
            dormant_days=int(getattr(settings, "ACCOUNT_DORMANT_DAYS", 120)),
        )


def _last_arrivals(today: dt.date) -> dict[int, dt.date]:
    stays = Stay.objects.filter(arrival_date__lte=today).exclude(status__in=NOT_STAYED)
    result: dict[int, dt.date] = {}
    for row in linked(stays, key="id", last=Max("arrival_date")):
        pk = row["group_key"]
        result[pk] = max(result.get(pk, row["last"]), row["last"])
    return result


def _reasons(recent: Figures, before: Figures, last: dt.date | None, today: dt.date, rules: DeclineRules) -> list:
    reasons = []
    if before.revenue >= rules.min_revenue and recent.revenue <= before.revenue * (100 - rules.percent) / 100:
        change = ((recent.revenue - before.revenue) * 100 / before.revenue).quantize(Decimal("0.1"))
        reasons.append(
            {
                "code": "decline",
                "recent_revenue": str(recent.revenue),
                "before_revenue": str(before.revenue),
                "change_percent": str(change),
                "recent_room_nights": recent.room_nights,
                "before_room_nights": before.room_nights,
            }
        )
    if last is not None and (today - last).days >= rules.dormant_days:
        reasons.append({"code": "dormant", "last_arrival": last.isoformat(), "days": (today - last).days})
    return reasons


def account_warnings(*, today: dt.date, rules: DeclineRules | None = None, owner_id: int | None = None) -> list[dict]:
    """Active accounts in decline, with their reasons and whether the warning of this
    period (``month_start(today)``) was handled.  Five queries."""
    rules = rules or DeclineRules.from_settings()
    end = month_start(today)
    start = add_months(end, -rules.months)
    recent = production_by_account(start=start, end=end)
    before = production_by_account(start=add_months(start, -12), end=add_months(end, -12))
    last = _last_arrivals(today)
    flagged = {}
    for pk in set(recent) | set(before) | set(last):
        reasons = _reasons(recent.get(pk, Figures()), before.get(pk, Figures()), last.get(pk), today, rules)
        if reasons:
            flagged[pk] = reasons
    accounts = Account.objects.active().filter(pk__in=list(flagged)).select_related("owner")
    if owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    reviews = {
        r.account_id: r
        for r in AccountWarningReview.objects.filter(account_id__in=list(flagged), period=end).select_related(
            "handled_by"
        )
    }
    rows = [
        {
            "account": account,
            "period": end,
            "reasons": flagged[account.pk],
            "recent": recent.get(account.pk, Figures()),
            "before": before.get(account.pk, Figures()),
            "last_arrival": last.get(account.pk),
            "review": reviews.get(account.pk),
        }
        for account in accounts
    ]
    rows.sort(key=lambda r: (r["review"] is not None, -(r["before"].revenue - r["recent"].revenue), r["account"].name))
    return rows


# --- Stays on a negotiated rate code, not linked to its account ----------------------------------


def attribution_review(*, viewer, limit: int | None = 500):
    """Stays booked on a rate code of a (non-draft) agreement of their property, valid on
    their arrival, attributed neither as company nor as agent to that agreement's account
    — to review and link.  One query (the viewer's properties, ``crm_site.scope``)."""
    agreements = (
        Agreement.objects.filter(
            property_id=OuterRef("property_id"),
            rate_code=OuterRef("rate_code"),
            valid_from__lte=OuterRef("arrival_date"),
            valid_to__gte=OuterRef("arrival_date"),
            account__merged_into__isnull=True,
        )
        .exclude(status=AgreementStatus.DRAFT)
        .order_by("-valid_from", "id")
    )
    stays = (
        scope.scoped(Stay.objects.all(), viewer)
        .exclude(rate_code="")
        .annotate(
            agreement_id=Subquery(agreements.values("pk")[:1]),
            agreement_account_id=Subquery(agreements.values("account_id")[:1]),
        )
        .filter(agreement_id__isnull=False)
        .exclude(company_account_id=F("agreement_account_id"))
        .exclude(agent_account_id=F("agreement_account_id"))
        .select_related("property", "company_account", "agent_account")
        .order_by("-arrival_date", "-id")
    )
    return stays[:limit] if limit else stays


# --- Scorecards ----------------------------------------------------------------------------------


@dataclass
class Scorecard:
    salesperson: object
    month: dt.date
    target: SalesTarget | None
    production: Figures = field(default_factory=Figures)
    new_accounts: int = 0
    activities_done: int = 0
    warnings_handled: int = 0
    surveys: int = 0
    satisfaction: Decimal | None = None

    def attainment(self, actual, target) -> Decimal | None:
        if not target:
            return None
        return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"))

    @property
    def lines(self) -> list[dict]:
        t = self.target
        return [
            {"key": "revenue", "actual": self.production.revenue, "target": t.revenue if t else None},
            {"key": "room_nights", "actual": self.production.room_nights, "target": t.room_nights if t else None},
            {"key": "new_accounts", "actual": self.new_accounts, "target": t.new_accounts if t else None},
            {"key": "activities", "actual": self.activities_done, "target": t.activities if t else None},
        ]


def _owner_production(ids: list[int], start: dt.date, end: dt.date) -> dict[int, Figures]:
    stays = Stay.objects.filter(arrival_date__gte=start, arrival_date__lt=end)
    return figures_by_key(linked(stays, key="owner_id", keys=ids, **measures()))


def _owner_satisfaction(ids: list[int], start: dt.date, end: dt.date) -> dict[int, tuple[int, Decimal]]:
    from care.models import StaySurvey

    surveys = StaySurvey.objects.filter(received_on__gte=start, received_on__lt=end)
    totals: dict[int, tuple[int, int]] = {}
    for row in linked(surveys, key="owner_id", keys=ids, path="stay__", n=Count("pk"), total=Sum("overall")):
        n, total = totals.get(row["group_key"], (0, 0))
        totals[row["group_key"]] = (n + row["n"], total + row["total"])
    return {pk: (n, (Decimal(total) / n).quantize(Decimal("0.01"))) for pk, (n, total) in totals.items()}


def _counts(queryset, key: str) -> dict[int, int]:
    return dict(queryset.values(key).annotate(n=Count("pk")).values_list(key, "n").order_by())


def scorecards(*, month: dt.date, salesperson_ids) -> list[Scorecard]:
    """Each salesperson's month against their target: production (revenue, room nights)
    of the accounts they own, accounts they own created that month, activities they
    completed, decline warnings they handled, and the satisfaction surveys received that
    month for stays attributed to their accounts.  Seven queries."""
    ids = list(salesperson_ids)
    start, end = month_start(month), add_months(month_start(month), 1)
    users = get_user_model().objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")
    targets = {t.salesperson_id: t for t in SalesTarget.objects.filter(month=start, salesperson_id__in=ids)}
    production = _owner_production(ids, start, end)
    new_accounts = _counts(
        Account.objects.active().filter(owner_id__in=ids, created_at__date__gte=start, created_at__date__lt=end),
        "owner_id",
    )
    done = _counts(
        Activity.objects.filter(owner_id__in=ids, status=ActivityStatus.DONE, done_on__gte=start, done_on__lt=end),
        "owner_id",
    )
    handled = _counts(
        AccountWarningReview.objects.filter(
            handled_by_id__in=ids, handled_at__date__gte=start, handled_at__date__lt=end
        ),
        "handled_by_id",
    )
    satisfaction = _owner_satisfaction(ids, start, end)
    return [
        Scorecard(
            salesperson=user,
            month=start,
            target=targets.get(user.pk),
            production=production.get(user.pk, Figures()),
            new_accounts=new_accounts.get(user.pk, 0),
            activities_done=done.get(user.pk, 0),
            warnings_handled=handled.get(user.pk, 0),
            surveys=satisfaction.get(user.pk, (0, None))[0],
            satisfaction=satisfaction.get(user.pk, (0, None))[1],
        )
        for user in users
    ]


def scorecard_people(viewer) -> list[int]:
    """Whose scorecards ``viewer`` sees: the director every salesperson's, a salesperson
    their own."""
    from .access import is_director, salespeople

    if is_director(viewer):
        return list(salespeople().values_list("pk", flat=True))
    return [viewer.pk]


__all__ = [
    "DeclineRules",
    "Scorecard",
    "account_pareto",
    "account_warnings",
    "attribution_review",
    "scorecard_people",
    "scorecards",
]
