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
from django.db.models import Case, DateField, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

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


def _day_of(periods: dict[int, tuple[dt.date, dt.date]], index: int) -> Case:
    """The first (``index`` 0) or last (1) day of each agreement's period, as SQL: one
    WHEN per distinct day, naming the agreements it is for."""
    by_day: dict[dt.date, list[int]] = {}
    for pk, bounds in periods.items():
        by_day.setdefault(bounds[index], []).append(pk)
    whens = [When(pk__in=pks, then=Value(day, output_field=DateField())) for day, pks in sorted(by_day.items())]
    return Case(*whens, default=None, output_field=DateField())


def _room_nights(periods: dict[int, tuple[dt.date, dt.date]]) -> dict[int, int]:
    """Room nights of each agreement in its period (one query): a correlated SUM over the
    stays of its account at its property on its rate code."""
    from guests.models import Stay

    if not periods:
        return {}
    nights = (
        Stay.objects.filter(
            property_id=OuterRef("property_id"),
            rate_code=OuterRef("rate_code"),
            arrival_date__gte=OuterRef("first_day"),
            arrival_date__lte=OuterRef("last_day"),
        )
        .filter(Q(company_account_id=OuterRef("account_id")) | Q(agent_account_id=OuterRef("account_id")))
        .exclude(status__in=("cancelled", "no_show"))
        .order_by()
        .annotate(total=Func(F("nights"), function="SUM", output_field=IntegerField()))
        .values("total")
    )
    rows = (
        Agreement.objects.filter(pk__in=list(periods))
        .annotate(first_day=_day_of(periods, 0), last_day=_day_of(periods, 1))
        .annotate(actual=Coalesce(Subquery(nights), 0))
        .order_by()
        .values_list("pk", "actual")
    )
    return dict(rows)


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
