"""Agreements against their commitment: are the room nights coming in at the pace the
account committed to?

An agreement's current period is the calendar month or quarter, the contract year
(counted from ``valid_from``) or the whole term, cut to the agreement's validity.  Its
production is the room nights of the stays attributed to its account, at its property,
booked on its rate code, arriving in the period (cancellations and no-shows excluded).
The pace expected today is the commitment × the share of the period gone by; an
agreement is *below pace* when its production is under that by more than the tolerance
(``AGREEMENT_PACE_TOLERANCE_PERCENT``).  One query for any number of agreements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection

from ..models import Agreement, AgreementStatus


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def current_period(agreement: Agreement, today: dt.date) -> tuple[dt.date, dt.date]:
    """[first, last] day of the agreement's commitment period holding ``today``, cut to
    its validity."""
    period = agreement.commitment_period
    if period == "month":
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif period == "quarter":
        first = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        last = (first + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    elif period == "year":
        years = max(0, today.year - agreement.valid_from.year)
        first = _add_years(agreement.valid_from, years)
        if first > today:
            first = _add_years(agreement.valid_from, years - 1)
        last = _add_years(first, 1) - dt.timedelta(days=1)
    else:
        first, last = agreement.valid_from, agreement.valid_to
    return max(first, agreement.valid_from), min(last, agreement.valid_to)


@dataclass
class Pace:
    agreement: Agreement
    period_start: dt.date
    period_end: dt.date
    committed: int
    expected: int
    actual: int
    below_pace: bool

    @property
    def shortfall(self) -> int:
        return max(0, self.expected - self.actual)


def _room_nights(periods: dict[int, tuple[dt.date, dt.date]]) -> dict[int, int]:
    if not periods:
        return {}
    values = ", ".join(["(%s, %s::date, %s::date)"] * len(periods))
    params = [v for pk, (first, last) in periods.items() for v in (pk, first, last)]
    sql = f"""
        WITH periods(agreement_id, first_day, last_day) AS (VALUES {values})
        SELECT p.agreement_id, COALESCE(SUM(s.nights), 0)
        FROM periods p
        JOIN accounts_agreement g ON g.id = p.agreement_id
        LEFT JOIN guests_stay s ON s.property_id = g.property_id AND s.rate_code = g.rate_code
            AND s.arrival_date BETWEEN p.first_day AND p.last_day
            AND s.status NOT IN ('cancelled', 'no_show')
            AND (s.company_account_id = g.account_id OR s.agent_account_id = g.account_id)
        GROUP BY p.agreement_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def agreement_pace(*, today: dt.date, account_ids=None, agreements=None) -> list[Pace]:
    """Pace of the signed agreements valid today with a commitment (of ``account_ids``
    when given).  Two queries."""
    if agreements is None:
        agreements = Agreement.objects.filter(
            status=AgreementStatus.SIGNED, valid_from__lte=today, valid_to__gte=today, room_nights_committed__gt=0
        ).select_related("account", "property")
        if account_ids is not None:
            agreements = agreements.filter(account_id__in=list(account_ids))
    agreements = list(agreements)
    periods = {a.pk: current_period(a, today) for a in agreements}
    actual = _room_nights(periods)
    tolerance = Decimal(getattr(settings, "AGREEMENT_PACE_TOLERANCE_PERCENT", 10)) / 100
    result = []
    for agreement in agreements:
        first, last = periods[agreement.pk]
        days = (last - first).days + 1
        gone = min(days, (today - first).days + 1)
        expected = round(agreement.room_nights_committed * gone / days) if days > 0 else 0
        nights = int(actual.get(agreement.pk, 0))
        below = nights < expected * (1 - tolerance)
        result.append(Pace(agreement, first, last, agreement.room_nights_committed, expected, nights, below))
    result.sort(key=lambda p: (not p.below_pace, -p.shortfall, p.agreement.account.name))
    return result


def below_pace(*, today: dt.date, account_ids=None) -> list[Pace]:
    """The agreement alert "production below commitment pace"."""
    return [p for p in agreement_pace(today=today, account_ids=account_ids) if p.below_pace]
