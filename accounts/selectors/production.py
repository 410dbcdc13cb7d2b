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

Every figure is computed by the database with one grouped query (no per-account loop),
written with the Django ORM so that PostgreSQL and the embedded SQLite run the same code
with the same results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

ZERO = Decimal("0.00")
MAX_DEPTH = 20
NOT_STAYED = ("cancelled", "no_show")


def _money(expression, *, filter=None):  # noqa: A002 - the aggregate's own keyword
    """SUM of a money expression (0 when there is none), kept as a decimal on every database."""
    out = DecimalField(max_digits=30, decimal_places=10)
    return Coalesce(Sum(expression, filter=filter, output_field=out), Value(ZERO), output_field=out)


def measures(prefix: str = "") -> dict:
    """The measures of :class:`Figures` as ORM aggregates over stays (``prefix`` leads from
    the queried model to the stay, e.g. ``"stay__"``).  The names start with ``m_`` so they
    never clash with a field of the stay."""
    stayed = ~Q(**{f"{prefix}status__in": NOT_STAYED})
    return {
        "m_stays": Count(f"{prefix}pk", filter=stayed),
        "m_room_nights": Coalesce(Sum(f"{prefix}nights", filter=stayed), 0),
        "m_revenue": _money(F(f"{prefix}total_revenue"), filter=stayed),
        "m_room_revenue": _money(F(f"{prefix}room_revenue") * F(f"{prefix}exchange_rate"), filter=stayed),
        "m_cancellations": Count(f"{prefix}pk", filter=Q(**{f"{prefix}status": "cancelled"})),
        "m_no_shows": Count(f"{prefix}pk", filter=Q(**{f"{prefix}status": "no_show"})),
        "m_lost_revenue": _money(F(f"{prefix}lost_revenue_chain")),
    }


_MEASURE_NAMES = tuple(measures())


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

    @classmethod
    def of_row(cls, row: dict) -> Figures:
        """Figures of a row of :func:`measures` (a ``values()`` dict)."""
        return cls.of([row[name] for name in _MEASURE_NAMES])

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


def linked(queryset, *, key: str, keys=None, path: str = "", **aggregates):
    """One query: ``aggregates`` per account a stay is attributed to (as company or as
    agent, once even when it is both), as ``values()`` rows with the account in ``key``.

    ``queryset`` holds stays (or rows leading to a stay by ``path``, e.g. ``"stay__"``);
    ``key`` is what is read from the account the row is grouped by (``"id"``, or
    ``"owner_id"`` to group by the account's owner); ``keys`` limits those values.  The
    two attributions are a UNION ALL of two grouped selects: the agent's side skips the
    stays whose company gives the same key, so each (key, stay) pair counts once.  Rows of
    the same key from both sides are to be added up by the caller."""
    sides = []
    for column, other in (("company_account", "agent_account"), ("agent_account", "company_account")):
        mine = f"{path}{column}_id" if key == "id" else f"{path}{column}__{key}"
        theirs = f"{path}{other}_id" if key == "id" else f"{path}{other}__{key}"
        side = queryset.filter(**{f"{mine}__isnull": False})
        if keys is not None:
            side = side.filter(**{f"{mine}__in": keys})
        if sides:  # the agent's side: not when the company side counted it already
            side = side.filter(Q(**{f"{theirs}__isnull": True}) | ~Q(**{theirs: F(mine)}))
        sides.append(side.order_by().values(group_key=F(mine)).annotate(**aggregates))
    return sides[0].union(sides[1], all=True)


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def production_by_account(*, start: dt.date, end: dt.date, account_ids=None) -> dict[int, Figures]:
    """Each account's own production (stays attributed to it directly) for arrivals in
    [start, end); ``account_ids`` limits the accounts (None: every account). One query."""
    from guests.models import Stay

    if account_ids is not None:
        account_ids = list(account_ids)
        if not account_ids:
            return {}
    stays = Stay.objects.filter(arrival_date__gte=start, arrival_date__lt=end)
    return figures_by_key(linked(stays, key="id", keys=account_ids, **measures()))


def figures_by_key(rows) -> dict[int, Figures]:
    """Figures per ``group_key`` of rows of :func:`linked` with :func:`measures`: the two
    sides of a key are added up before rounding to the cent, as one SUM would."""
    sums: dict[int, list] = {}
    for row in rows:
        values = [row[name] for name in _MEASURE_NAMES]
        previous = sums.get(row["group_key"])
        sums[row["group_key"]] = values if previous is None else [a + b for a, b in zip(previous, values, strict=True)]
    return {key: Figures.of(values) for key, values in sums.items()}


def family_ids(account_id: int) -> list[int]:
    """The account and every active account below it (one recursive query; standard SQL,
    which PostgreSQL and SQLite both run)."""
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
    from guests.models import Stay

    rows = (
        Stay.objects.filter(Q(company_account_id__in=ids) | Q(agent_account_id__in=ids))
        .filter(arrival_date__gte=start, arrival_date__lt=end)
        .order_by()
        .values("property_id", month=TruncMonth("arrival_date"))
        .annotate(**measures())
    )
    return {(row["property_id"], _as_date(row["month"])): Figures.of_row(row) for row in rows}


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


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
