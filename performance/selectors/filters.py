"""The filters every performance report takes, parsed once (``report_filter``).

A period is ``start``..``end`` (dates, years 1900-2100, at most ``MAX_DAYS``; day
buckets at most ``MAX_DAY_BUCKETS``); without one, the twelve months up to the last
date the facts hold (or today).  Dimension filters must name a value the facts hold
(``channel`` one of the CRM's channels); every invalid field is reported at once (400).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing, scope
from crm_site.errors import DomainError, ErrorBag
from guests.models import Property, Stay

from ..models import NightFact

MAX_DAYS = 1_098  # three years
MAX_DAY_BUCKETS = 366
GRANULARITIES = ("day", "week", "month")
# Query parameter → fact column, for the filters matched as given.
TEXT_FILTERS = {
    "distribution_channel": ("distribution_channel", 30),
    "market_segment": ("market_segment", 30),
    "country": ("country", 3),
    "customer_type": ("customer_type", 30),
    "agent": ("agent_code", 40),
    "company": ("company_code", 40),
}
FILTER_NAMES = ("property", "start", "end", "granularity", "channel", *TEXT_FILTERS)


@dataclass(frozen=True)
class ReportFilter:
    start: dt.date
    end: dt.date
    granularity: str = "month"
    prop: Property | None = None
    property_ids: frozenset[int] | None = None  # the viewer's hotels (None: all)
    dimensions: tuple[tuple[str, str], ...] = ()  # (fact column, value)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def facts_q(self, date_field: str, *, start: dt.date | None = None, end: dt.date | None = None) -> Q:
        q = Q(**{f"{date_field}__range": (start or self.start, end or self.end)})
        if self.prop is not None:
            q &= Q(property_id=self.prop.pk)
        elif self.property_ids is not None:
            q &= Q(property_id__in=self.property_ids)
        for column, value in self.dimensions:
            q &= Q(**{column: value})
        return q

    def last_year(self) -> ReportFilter:
        return replace(self, start=year_back(self.start), end=year_back(self.end))

    def query(self) -> dict:
        """The filters as query parameters (links, exports)."""
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(), "granularity": self.granularity}
        if self.prop is not None:
            values["property"] = self.prop.code
        names = {column: name for name, (column, _n) in TEXT_FILTERS.items()}
        for column, value in self.dimensions:
            values[names.get(column, column)] = value
        return values

    def describe(self) -> dict:
        return {
            **self.query(),
            "property": self.prop.code if self.prop else None,
            "property_name": self.prop.name if self.prop else None,
        }


def year_back(day: dt.date, years: int = 1) -> dt.date:
    """The same calendar date ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _default_period(ids: frozenset[int] | None) -> tuple[dt.date, dt.date]:
    from .routing import facts as routed  # routing names ReportFilter

    facts = routed(NightFact, None) if ids is None else routed(NightFact, None).filter(property_id__in=ids)
    today = timezone.localdate()
    last = facts.filter(stay_date__lte=today).aggregate(last=Max("stay_date"))["last"] or today
    end = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    start = year_back(end + dt.timedelta(days=1))
    return start, end


def _property(code, user, bag: ErrorBag) -> Property | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    prop = Property.objects.filter(code=code).first()
    if prop is None:
        bag.add(DomainError(_("Unknown property code."), field="property", code="unknown"))
        return None
    if not scope.works_at(prop, user):
        bag.add(scope.property_refused("property"))
        return None
    return prop


def _period(params, bag: ErrorBag, ids) -> tuple[dt.date, dt.date] | None:
    start, end = params.get("start"), params.get("end")
    if not start and not end:
        return _default_period(ids)
    try:
        return parsing.date_range(start, end, max_days=MAX_DAYS - 1)
    except DomainError as error:
        bag.add(error)
        return None


def _dimensions(params, bag: ErrorBag) -> list[tuple[str, str]]:
    dimensions = []
    channel = params.get("channel")
    if channel:
        value = bag.check(parsing.as_choice, channel, field="channel", choices=Stay.Channel)
        if value:
            dimensions.append(("channel", value))
    for name, (column, length) in TEXT_FILTERS.items():
        raw = params.get(name)
        if raw in (None, ""):
            continue
        value = bag.check(parsing.as_text, raw, field=name, max_length=length)
        if value is None:
            continue
        if name == "country":
            value = value.upper()
        if not NightFact.objects.filter(**{column: value}).exists():
            bag.add(DomainError(_("No stay has this value."), field=name, code="unknown_value"))
            continue
        dimensions.append((column, value))
    return dimensions


def _not_applicable(params, fields: tuple[str, ...], bag: ErrorBag) -> None:
    for name in FILTER_NAMES:
        if name not in fields and params.get(name) not in (None, ""):
            bag.add(DomainError(_("This filter does not apply to this report."), field=name, code="not_applicable"))


def report_filter(
    params,
    *,
    user,
    default_granularity: str = "month",
    fields: tuple[str, ...] = FILTER_NAMES,
    granularities: tuple[str, ...] = GRANULARITIES,
) -> ReportFilter:
    """The filters of ``params`` (a QueryDict or dict), every invalid one reported at once;
    a report that takes only some of them (``fields``, ``granularities``) refuses the
    others by name."""
    bag = ErrorBag()
    _not_applicable(params, fields, bag)
    if fields != FILTER_NAMES:
        params = {name: params.get(name) for name in fields}
    ids = scope.property_ids(user) if user is not None else None
    prop = _property(params.get("property"), user, bag)
    period = _period(params, bag, ids)
    raw = params.get("granularity")
    granularity = bag.check(
        parsing.as_choice,
        raw,
        field="granularity",
        choices=granularities,
        # Left out: the report's default; sent blank: not one of the values (a 400).
        default=default_granularity if raw is None else None,
    )
    if period and granularity == "day" and (period[1] - period[0]).days >= MAX_DAY_BUCKETS:
        bag.add(
            DomainError(
                _("Day by day, at most %(n)d days at a time.") % {"n": MAX_DAY_BUCKETS},
                field="granularity",
                code="range_too_long",
            )
        )
    dimensions = _dimensions(params, bag)
    bag.raise_if_any()
    return ReportFilter(
        start=period[0],
        end=period[1],
        granularity=granularity,
        prop=prop,
        property_ids=ids,
        dimensions=tuple(dimensions),
    )
