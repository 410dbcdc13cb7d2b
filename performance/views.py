"""The hotel performance pages: one template for every report (filters, definitions,
charts, tables with a CSV link each).  Thin: parse the filters, call one selector, turn
its figures into tables (``performance.tables``) and charts (``performance.charts``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_site.csvexport import csv_response
from crm_site.errors import DomainError
from crm_site.revenue import PERMISSION as REVENUE
from crm_site.timezones import hotel_today
from guests import audit
from guests.models import Property, Stay

from . import charts, selectors, tables
from .selectors.filters import TEXT_FILTERS

REPORTS_PERMS = ("performance.view_reports", REVENUE)


@dataclass(frozen=True)
class Report:
    key: str
    title: object
    select: object
    tables: object
    charts: object
    granularity: bool = False
    guest_level: bool = False  # property and period only, in whole months (selectors.guest_filter)


def _production_charts(data: dict) -> list[dict]:
    labels = [r["period"].isoformat() for r in data["rows"]]
    nights = [r["current"]["room_nights"] for r in data["rows"]]
    ly = [r["last_year"]["room_nights"] for r in data["rows"]]
    revenue = [float(r["current"]["room_revenue"]) for r in data["rows"]]
    ly_revenue = [float(r["last_year"]["room_revenue"]) for r in data["rows"]]
    return [
        charts.bar_chart(
            labels, nights, last_year=ly, title=_("Room nights"), series=_("Room nights"), reference=_("Last year")
        ),
        charts.bar_chart(
            labels,
            revenue,
            last_year=ly_revenue,
            title=_("Room revenue"),
            series=_("Room revenue (%(currency)s)") % {"currency": data["definitions"]["currency"]},
            reference=_("Last year"),
        ),
    ]


def _cancellation_charts(data: dict) -> list[dict]:
    rows = data["by_arrival_month"]
    return [
        charts.bar_chart(
            [r["month"].strftime("%Y-%m") for r in rows],
            [round((r["cancellation_rate"] or 0) * 100, 2) for r in rows],
            title=_("Cancellation rate by arrival month (%)"),
            series=_("Cancellation rate incl. no-shows (%)"),
        )
    ]


def _source_charts(data: dict) -> list[dict]:
    result = []
    for d in data["dimensions"][:3]:
        rows = d["rows"][:12]
        result.append(
            charts.bar_chart(
                [str(r["label"]) for r in rows],
                [r["bookings"] for r in rows],
                last_year=[r["last_year_bookings"] for r in rows],
                title=d["label"],
                series=_("Bookings"),
                reference=_("Last year"),
            )
        )
    return result


def _pattern_charts(data: dict) -> list[dict]:
    window, los = data["booking_window"], data["length_of_stay"]
    return [
        charts.bar_chart(
            [r["bucket"] for r in window],
            [r["bookings"] for r in window],
            title=_("Booking window (days)"),
            series=_("Bookings"),
        ),
        charts.bar_chart(
            [r["bucket"] for r in los],
            [r["bookings"] for r in los],
            title=_("Length of stay (nights)"),
            series=_("Bookings"),
        ),
        charts.bar_chart(
            [r["weekday"] for r in data["day_of_week"]],
            [r["room_nights"] for r in data["day_of_week"]],
            title=_("Room nights by day of week"),
            series=_("Room nights"),
        ),
    ]


def _pace_charts(data: dict) -> list[dict]:
    rows = data["rows"]
    return [
        charts.bar_chart(
            [r["arrival_date"].strftime("%m-%d") for r in rows],
            [r["room_nights"] for r in rows],
            last_year=[r["last_year_room_nights"] for r in rows],
            title=_("Room nights on the books by arrival date"),
            series=_("On the books"),
            reference=_("Same lead time last year"),
        )
    ]


def _forecast_charts(data: dict) -> list[dict]:
    result = []
    for p in data["properties"]:
        for measure, m in p["measures"].items():
            history = m["history"][-24:]
            labels = [h["month"].strftime("%Y-%m") for h in history] + [
                r["month"].strftime("%Y-%m") for r in m["forecast"]
            ]
            values = [h["value"] for h in history] + [r["forecast"] for r in m["forecast"]]
            band = [None] * len(history) + [(r["low_80"], r["high_80"]) for r in m["forecast"]]
            title = _("Room nights") if measure == "room_nights" else _("Room revenue")
            result.append(
                charts.bar_chart(
                    labels,
                    values,
                    band=band,
                    title=f"{p['property']} · {title}",
                    series=_("History and forecast"),
                    reference=_("80 % prediction interval"),
                )
            )
    return result


def _percent(value) -> float:
    return round((value or 0) * 100, 2)


def _guest_rate_charts(data: dict) -> list[dict]:
    repeat, cohorts, churn = data["repeat"]["by_month"], data["conversion"]["by_month"], data["churn"]["by_month"]
    return [
        charts.bar_chart(
            [r["month"].strftime("%Y-%m") for r in repeat],
            [_percent(r["repeat_rate"]) for r in repeat],
            last_year=[_percent(r["last_year_repeat_rate"]) for r in repeat],
            title=_("Repeat rate by month (%)"),
            series=_("Repeat rate (%)"),
            reference=_("Last year"),
        ),
        charts.bar_chart(
            [r["month"].strftime("%Y-%m") for r in cohorts],
            [None if r["maturing"] else _percent(r["conversion_rate"]) for r in cohorts],
            title=_("Second stay within 365 days, by first-stay month (%)"),
            series=_("Conversion (%); maturing months left out"),
        ),
        charts.bar_chart(
            [r["month"].strftime("%Y-%m") for r in churn],
            [_percent(r["churn_rate"]) for r in churn],
            title=_("Churn rate by month (%)"),
            series=_("Churn warnings opened ÷ guests active at the start (%)"),
        ),
    ]


REPORTS = {
    "production": Report(
        "production",
        gettext_lazy("Production"),
        selectors.production,
        tables.production_tables,
        _production_charts,
        True,
    ),
    "cancellations": Report(
        "cancellations",
        gettext_lazy("Cancellations and no-shows"),
        selectors.cancellations,
        tables.cancellation_tables,
        _cancellation_charts,
    ),
    "sources": Report(
        "sources",
        gettext_lazy("Guest-source structure"),
        selectors.source_mix,
        tables.source_tables,
        _source_charts,
    ),
    "patterns": Report(
        "patterns",
        gettext_lazy("Booking window, length of stay, day of week"),
        selectors.booking_patterns,
        tables.pattern_tables,
        _pattern_charts,
    ),
    "pace": Report("pace", gettext_lazy("On-the-books pace"), selectors.pace, tables.pace_tables, _pace_charts),
    "forecast": Report(
        "forecast", gettext_lazy("Forecast"), selectors.forecast, tables.forecast_tables, _forecast_charts
    ),
    "guest-rates": Report(
        "guest-rates",
        gettext_lazy("Guest-level rates"),
        selectors.guest_rates,
        tables.guest_rate_tables,
        _guest_rate_charts,
        guest_level=True,
    ),
}
# What a link to a guest-level report keeps of another report's filters.
GUEST_LINK_FILTERS = ("property", "start", "end")


def _filter(report: Report, request):
    if report.guest_level:
        return selectors.guest_filter(request.GET, user=request.user)
    return selectors.report_filter(request.GET, user=request.user)


def _select(report: Report, f, request) -> dict:
    if report.guest_level:
        return report.select(f, today=hotel_today(request.user, f.prop.code if f.prop else None))
    return report.select(f)


def _links(query: dict) -> list[tuple[Report, str]]:
    kept = {k: v for k, v in query.items() if k in GUEST_LINK_FILTERS}
    return [(r, urlencode(kept if r.guest_level else query)) for r in REPORTS.values()]


def _choices(params) -> dict:
    names = [
        ("distribution_channel", _("Distribution channel")),
        ("market_segment", _("Market segment")),
        ("country", _("Country")),
        ("customer_type", _("Customer type")),
        ("agent", _("Travel agent")),
        ("company", _("Company")),
    ]
    return {
        "properties": Property.objects.order_by("code"),
        "channels": Stay.Channel.choices,
        "text_filters": [(name, label, params.get(name, "")) for name, label in names],
    }


def _report_page(request, report: Report):
    context = {
        "report": report,
        "links": _links({k: v for k, v in request.GET.items() if v}),
        "values": request.GET,
        **_choices(request.GET),
    }
    try:
        f = _filter(report, request)
    except DomainError as error:
        context["errors"] = error.fields or {"detail": [str(error.message)]}
        return render(request, "performance/report.html", context, status=400)
    data = _select(report, f, request)
    context.update(
        {
            "data": data,
            "filters": f,
            "tables": report.tables(data, limit=selectors.sources.TOP)
            if report.key == "sources"
            else report.tables(data),
            "charts": report.charts(data),
            "query": urlencode(f.query()),
            "links": _links(f.query()),
        }
    )
    return render(request, "performance/report.html", context)


@login_required
@permission_required(REPORTS_PERMS, raise_exception=True)
def report_page(request, report: str):
    if report not in REPORTS:
        raise Http404
    return _report_page(request, REPORTS[report])


@audit.export_view(what="performance", permission=REPORTS_PERMS)
def export(request, report: str, table: str):
    spec = REPORTS.get(report)
    if spec is None:
        raise Http404
    try:
        f = _filter(spec, request)
    except DomainError as error:
        return HttpResponse(
            f"{error.field or 'detail'}: {error.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    found = next((t for t in spec.tables(_select(spec, f, request)) if t.key == table), None)
    if found is None:
        raise Http404
    audit.record_export(what=f"performance:{report}:{table}", rows=len(found.rows), by=request.user, **f.query())
    return csv_response(f"{report}-{table}-{f.start}-{f.end}.csv", found.header, found.rows)


__all__ = ["TEXT_FILTERS", "export", "report_page"]
