"""Production of accounts: what the stays attributed to them (``Stay.company_account`` /
``Stay.agent_account``, fixed at booking time) brought, by account, group, property and
month of arrival.

The rules, everywhere:

* a stay counts for an account when it is attributed to it as company or as agent (once,
  even when it is both); a group (parent) counts each stay of its accounts once;
* room nights, stays and revenue count the stays that were not cancelled and did not
  fail to show; revenue is ``total_revenue`` (chain currency); ADR is room revenue in the
  chain currency per room night;
* cancellations and no-shows are counted apart, with their lost value (chain currency).

Every figure is computed by the database with one grouped query (no per-account loop).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

ZERO = Decimal("0.00")
MAX_DEPTH = 20

# The measures, as SQL over ``s`` (guests_stay), and how each is read back.
_MEASURES = """
    COUNT(*) FILTER (WHERE s.status NOT IN ('cancelled', 'no_show')) AS stays,
    COALESCE(SUM(s.nights) FILTER (WHERE s.status NOT IN ('cancelled', 'no_show')), 0) AS room_nights,
    COALESCE(SUM(s.total_revenue) FILTER (WHERE s.status NOT IN ('cancelled', 'no_show')), 0) AS revenue,
    COALESCE(SUM(s.room_revenue * s.exchange_rate) FILTER (WHERE s.status NOT IN ('cancelled', 'no_show')), 0)
        AS room_revenue,
    COUNT(*) FILTER (WHERE s.status = 'cancelled') AS cancellations,
    COUNT(*) FILTER (WHERE s.status = 'no_show') AS no_shows,
    COALESCE(SUM(s.lost_revenue_chain), 0) AS lost_revenue
"""
_WIDTH = 7


@dataclass
class Figures:
    """Production of one cell (an account, a month, a property ...)."""

    stays: int = 0
    room_nights: int = 0
    revenue: Decimal = ZERO
    room_revenue: Decimal = ZERO
    cancellations: int = 0
    no_shows: int = 0
    lost_revenue: Decimal = ZERO

    @classmethod
    def of(cls, values) -> Figures:
        stays, nights, revenue, room, cancelled, no_shows, lost = values
        return cls(
            int(stays),
            int(nights),
            Decimal(revenue).quantize(ZERO),
            Decimal(room).quantize(ZERO),
            int(cancelled),
            int(no_shows),
            Decimal(lost).quantize(ZERO),
        )

    @property
    def adr(self) -> Decimal | None:
        if not self.room_nights:
            return None
        return (self.room_revenue / self.room_nights).quantize(ZERO)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.stays + other.stays,
            self.room_nights + other.room_nights,
            self.revenue + other.revenue,
            self.room_revenue + other.room_revenue,
            self.cancellations + other.cancellations,
            self.no_shows + other.no_shows,
            self.lost_revenue + other.lost_revenue,
        )

    def as_dict(self) -> dict:
        return {
            "stays": self.stays,
            "room_nights": self.room_nights,
            "revenue": self.revenue,
            "adr": self.adr,
            "cancellations": self.cancellations,
            "no_shows": self.no_shows,
            "lost_revenue": self.lost_revenue,
        }


def _links_sql(*, accounts: str = "", window: str = "") -> str:
    """(account_id, stay_id) pairs, each once: a stay and the accounts it is attributed to.
    ``accounts`` / ``window`` are extra conditions (SQL over ``s``)."""
    parts = []
    for column in ("company_account_id", "agent_account_id"):
        where = [f"s.{column} IS NOT NULL"]
        if accounts:
            where.append(accounts.format(column=f"s.{column}"))
        if window:
            where.append(window)
        parts.append(f"SELECT s.{column} AS account_id, s.id AS stay_id FROM guests_stay s WHERE {' AND '.join(where)}")
    return " UNION ".join(parts)


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def production_by_account(*, start: dt.date, end: dt.date, account_ids=None) -> dict[int, Figures]:
    """Each account's own production (stays attributed to it directly) for arrivals in
    [start, end); ``account_ids`` limits the accounts (None: every account). One query."""
    params: list = [start, end]
    accounts = ""
    if account_ids is not None:
        account_ids = list(account_ids)
        if not account_ids:
            return {}
        accounts = "{column} = ANY(%s)"
    window = "s.arrival_date >= %s AND s.arrival_date < %s"
    link_params = ([account_ids] if accounts else []) + params
    sql = f"""
        WITH links AS ({_links_sql(accounts=accounts, window=window)})
        SELECT l.account_id, {_MEASURES}
        FROM links l JOIN guests_stay s ON s.id = l.stay_id
        GROUP BY l.account_id
    """
    rows = _fetch(sql, link_params * 2)
    return {row[0]: Figures.of(row[1:]) for row in rows}


def family_ids(account_id: int) -> list[int]:
    """The account and every active account below it (one recursive query)."""
    sql = """
        WITH RECURSIVE family(id, depth) AS (
            SELECT id, 0 FROM accounts_account WHERE id = %s
            UNION ALL
            SELECT a.id, f.depth + 1 FROM accounts_account a JOIN family f ON a.parent_id = f.id
            WHERE a.merged_into_id IS NULL AND f.depth < %s
        )
        SELECT DISTINCT id FROM family
    """
    return [row[0] for row in _fetch(sql, [account_id, MAX_DEPTH])]


def group_production_by_cell(*, ids: list[int], start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Figures]:
    """The group's production (each stay once) per (property id, month of arrival) for
    arrivals in [start, end).  One query."""
    sql = f"""
        WITH stays AS (SELECT DISTINCT stay_id FROM ({_links_sql(accounts="{column} = ANY(%s)")}) links)
        SELECT s.property_id, DATE_TRUNC('month', s.arrival_date)::date AS month, {_MEASURES}
        FROM stays JOIN guests_stay s ON s.id = stays.stay_id
        WHERE s.arrival_date >= %s AND s.arrival_date < %s
        GROUP BY s.property_id, month
    """
    rows = _fetch(sql, [ids, ids, start, end])
    return {(row[0], row[1]): Figures.of(row[2:]) for row in rows}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class MonthRow:
    month: dt.date
    current: Figures
    last_year: Figures

    @property
    def revenue_change(self) -> Decimal | None:
        if not self.last_year.revenue:
            return None
        return ((self.current.revenue - self.last_year.revenue) * 100 / self.last_year.revenue).quantize(Decimal("0.1"))


@dataclass
class AccountProduction:
    """The production tab: the group's months against last year, its properties, and
    each account of the group on its own."""

    account_id: int
    year: int
    months: list[MonthRow] = field(default_factory=list)
    properties: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    total_last_year: Figures = field(default_factory=Figures)
    commitment: list = field(default_factory=list)


def account_production(*, account, year: int, today: dt.date) -> AccountProduction:
    """Production of ``account`` and everything below it for ``year`` (months, against the
    same month a year before; per property; per member account), with the pace of its
    signed agreements.  Five queries whatever the size of the group."""
    from guests.models import Property

    from ..models import Account
    from .pace import agreement_pace

    ids = family_ids(account.pk)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    cells = group_production_by_cell(ids=ids, start=dt.date(year - 1, 1, 1), end=end)
    result = AccountProduction(account_id=account.pk, year=year)
    by_month: dict[dt.date, Figures] = {}
    by_property: dict[int, Figures] = {}
    for (property_id, month), figures in cells.items():
        by_month[month] = by_month.get(month, Figures()) + figures
        if month >= start:
            by_property[property_id] = by_property.get(property_id, Figures()) + figures
    for number in range(12):
        month = add_months(start, number)
        row = MonthRow(month, by_month.get(month, Figures()), by_month.get(add_months(month, -12), Figures()))
        result.months.append(row)
        result.total += row.current
        result.total_last_year += row.last_year
    codes = dict(Property.objects.filter(pk__in=list(by_property)).values_list("pk", "code"))
    result.properties = [
        {"property": codes.get(pk, str(pk)), "figures": f}
        for pk, f in sorted(by_property.items(), key=lambda i: codes.get(i[0], ""))
    ]
    own = production_by_account(start=start, end=end, account_ids=ids)
    names = dict(Account.objects.filter(pk__in=ids).values_list("pk", "name"))
    result.members = [
        {"account_id": pk, "name": names.get(pk, ""), "is_self": pk == account.pk, "figures": own.get(pk, Figures())}
        for pk in ids
    ]
    result.members.sort(key=lambda m: (not m["is_self"], -m["figures"].revenue, m["name"]))
    result.commitment = agreement_pace(today=today, account_ids=[account.pk])
    return result
