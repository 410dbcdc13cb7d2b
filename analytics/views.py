"""Dashboards for sales managers: pyramid, Pareto/Lorenz, migration, drill-down, history
and a CSV export of every table.  Thin: parse the query string, call selectors, render."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm_site.csvexport import csv_response
from crm_site.errors import DomainError
from crm_site.revenue import PERMISSION as REVENUE
from guests import audit
from guests.models import Property
from guests.models_consent import ConsentPurpose
from guests.money import chain_currency
from guests.selectors import contactable_guest_ids

from . import charts, selectors
from .models import RANKED_SEGMENTS, Segment

# The pyramid and Pareto rank guests by revenue: they need the revenue permission too.
DASHBOARD = ("analytics.view_dashboard", REVENUE)
GUESTS_PER_PAGE = 50
RUNS_PER_PAGE = 30


def _resolve(request):
    """(run, property) from ``?run=`` and ``?property=``; an unknown value is reported
    and falls back to the current run / the whole chain."""
    prop = None
    try:
        prop = selectors.resolve_property(request.GET.get("property"))
    except DomainError as error:
        messages.error(request, str(error.message))
    try:
        run = selectors.resolve_run(request.GET.get("run"))
    except DomainError as error:
        if request.GET.get("run"):
            messages.error(request, str(error.message))
            run = selectors.current_run()
        else:
            run = None
    return run, prop


@login_required
@permission_required(DASHBOARD, raise_exception=True)
def dashboard(request):
    run, prop = _resolve(request)
    context = {
        "run": run,
        "property": prop,
        "properties": Property.objects.order_by("code"),
        "runs": selectors.completed_runs(),
    }
    if run is not None:
        data = selectors.dashboard(run=run, prop=prop)
        pyramid, pareto = data["pyramid"], data["pareto"]
        context.update(data)
        context["pyramid_chart"] = charts.pyramid_chart(pyramid["segments"])
        context["shares_chart"] = charts.shares_chart(pyramid["segments"])
        context["lorenz_chart"] = charts.lorenz_chart(
            pareto["lorenz"],
            top_share=pareto["top20_share"],
            top_guests=pareto["top_guests"],
            active=pareto["active_guests"],
        )
        context["trend_chart"] = charts.trend_chart(pareto["trend"])
        context["query"] = _query(run=request.GET.get("run"), prop=prop)
    return render(request, "analytics/dashboard.html", context)


def _query(**values) -> str:
    clean = {}
    for key, value in values.items():
        if key == "prop":
            key, value = "property", value.code if value else None
        if value not in (None, ""):
            clean[key] = value
    return urlencode(clean)


@login_required
@permission_required(DASHBOARD, raise_exception=True)
def segment_guests(request, segment: str):
    try:
        selectors.parse_segments(segment)
    except DomainError:
        raise Http404 from None
    run, _prop = _resolve(request)
    if run is None:
        raise Http404(_("No segmentation has completed yet."))
    came_from = request.GET.get("from") or None
    try:
        rows = selectors.segment_guests(run=run, segment=segment, came_from=came_from)
    except DomainError as error:
        messages.error(request, str(error.message))
        came_from = None
        rows = selectors.segment_guests(run=run, segment=segment)
    page = Paginator(rows, GUESTS_PER_PAGE).get_page(request.GET.get("page"))
    reasons = selectors.segment_reasons(run, page.object_list)
    return render(
        request,
        "analytics/segment_guests.html",
        {
            "run": run,
            "rows": [(row, reasons[row.guest_id]) for row in page.object_list],
            "definitions": selectors.definitions(run),
            "segment": segment,
            "segment_label": selectors.segment_label(segment),
            "came_from": came_from,
            "came_from_label": selectors.segment_label(came_from) if came_from else None,
            "page": page,
            "query": _query(run=run.pk, **({"from": came_from} if came_from else {})),
            "export_query": _query(run=run.pk, segment=segment, **({"from": came_from} if came_from else {})),
        },
    )


@login_required
@permission_required(DASHBOARD, raise_exception=True)
def run_history(request):
    page = Paginator(selectors.run_history(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    series = selectors.trend()
    return render(
        request,
        "analytics/runs.html",
        {
            "page": page,
            "trend": series,
            "trend_chart": charts.trend_chart(series),
            "segments": [{"code": str(c), "label": selectors.segment_label(str(c))} for c in _ALL_SEGMENTS],
        },
    )


_ALL_SEGMENTS = (*RANKED_SEGMENTS, Segment.INACTIVE, Segment.PROSPECT, Segment.BOOKED)


def _money_header(label: str) -> str:
    """A column of amounts names the reporting currency: "net revenue (EUR)"."""
    return f"{label} ({chain_currency()})"


def _top_share_header(run) -> str:
    share = selectors.definitions(run)["top_share"] if run is not None else selectors.current_top_share()
    return _("revenue share of the top %(share)s %%") % {"share": share}


# --- CSV exports -----------------------------------------------------------------------
# Every export goes through crm_site.csvexport (formula-safe cells) and is audited with
# who, which table and parameters, and how many rows (guests.audit).


@dataclass
class Table:
    filename: str
    header: list
    rows: Iterable[Iterable]
    count: int
    stream: bool = False


def _table(filename: str, header: list, rows: list) -> Table:
    return Table(filename, header, rows, len(rows))


def _share(value):
    return "" if value is None else f"{value:.6f}"


def _export_pyramid(request, run, prop):
    data = selectors.pyramid(run=run, prop=prop)
    header = [
        _("segment"),
        _("label"),
        _("cut (%)"),
        _("guests"),
        _("share of guests"),
        _money_header(_("net revenue")),
        _("share of revenue"),
        _money_header(_("lowest revenue")),
        _money_header(_("highest revenue")),
    ]
    rows = [
        [
            s["code"],
            s["label"],
            s["cut_percent"],
            s["count"],
            _share(s["guest_share"]),
            s["revenue"],
            _share(s["revenue_share"]),
            s["min_revenue"] or "",
            s["max_revenue"] or "",
        ]
        for s in data["segments"]
    ]
    rows.append(
        [str(Segment.INACTIVE), selectors.segment_label(Segment.INACTIVE), "", data["inactive"], "", "", "", "", ""]
    )
    if data["prospects"] is not None:
        rows.append(
            [
                str(Segment.PROSPECT),
                selectors.segment_label(Segment.PROSPECT),
                "",
                data["prospects"],
                "",
                "",
                "",
                "",
                "",
            ]
        )
    if data["booked"] is not None:
        label = selectors.segment_label(Segment.BOOKED)
        rows.append([str(Segment.BOOKED), label, "", data["booked"], "", "", "", "", ""])
    return _table(_filename("pyramid", run, prop), header, rows)


def _export_lorenz(request, run, prop):
    data = selectors.pareto(run=run, prop=prop)
    header = [_("share of guests (poorest first)"), _("share of revenue")]
    return _table(_filename("lorenz", run, prop), header, list(data["lorenz"]))


def _export_properties(request, run, prop):
    header = [
        _("property"),
        _("active guests"),
        _money_header(_("net revenue")),
        _top_share_header(run),
        _("Gini coefficient"),
    ]
    chain = selectors.pareto(run=run)
    rows = [
        [
            _("Whole chain"),
            chain["active_guests"],
            chain["total_revenue"],
            _share(chain["top20_share"]),
            _share(chain["gini"]),
        ]
    ]
    rows += [
        [f.property.code, f.active_guests, f.total_revenue, _share(f.top20_share), _share(f.gini)]
        for f in selectors.property_figures(run=run)
    ]
    return _table(_filename("pareto", run, None), header, rows)


def _export_trend(request, run, prop):
    series = selectors.trend(prop=prop)
    codes = [str(c) for c in RANKED_SEGMENTS]
    header = [
        _("as of"),
        _("run"),
        _("active guests"),
        _money_header(_("net revenue")),
        _top_share_header(run),
        _("Gini coefficient"),
    ]
    header += [selectors.segment_label(c) for c in codes]
    rows = [
        [
            p["as_of"].isoformat(),
            p["run"],
            p["active_guests"],
            p["total_revenue"],
            _share(p["top20_share"]),
            _share(p["gini"]),
            *[p["segment_counts"][c] for c in codes],
        ]
        for p in series
    ]
    return _table(_filename("trend", None, prop), header, rows)


def _export_migration(request, run, prop):
    data = selectors.migration(run)
    header = [_("from \\ to")] + [c["label"] for c in data["columns"]] + [_("total")]
    rows = [[r["label"], *[c["count"] for c in r["cells"]], r["total"]] for r in data["rows"]]
    return _table(_filename("migration", run, None), header, rows)


def _export_runs(request, run, prop):
    codes = [str(c) for c in _ALL_SEGMENTS]
    header = [
        _("run"),
        _("as of"),
        _("status"),
        _("current"),
        _("started by"),
        _("started at"),
        _("duration (ms)"),
        _("guests"),
        _("active guests"),
        _money_header(_("net revenue")),
    ]
    header += [selectors.segment_label(c) for c in codes]
    rows = [
        [
            r.pk,
            r.as_of.isoformat(),
            r.get_status_display(),
            "yes" if r.is_current else "",
            r.get_trigger_display(),
            r.started_at.isoformat(),
            r.duration_ms or "",
            r.guest_count,
            r.active_count,
            r.total_revenue,
            *[r.segment_counts.get(c, "") for c in codes],
        ]
        for r in selectors.run_history()
    ]
    return _table("segmentation-runs.csv", header, rows)


def _export_guests(request, run, prop):
    """The guest list carries e-mail addresses: only guests who accept marketing e-mails
    right now (and have not objected to profiling since the run) are exported."""
    segment = request.GET.get("segment", "")
    rows = selectors.segment_guests(run=run, segment=segment, came_from=request.GET.get("from") or None)
    rows = rows.filter(guest_id__in=contactable_guest_ids(ConsentPurpose.MARKETING_EMAIL, ConsentPurpose.PROFILING))
    header = [
        _("rank"),
        _("guest id"),
        _("guest"),
        _("e-mail"),
        _("segment"),
        _money_header(_("net revenue")),
        _("stays"),
        _("nights"),
        _("first arrival"),
        _("last departure"),
        _("days since last departure"),
        _("R"),
        _("F"),
        _("M"),
    ]
    values = rows.values_list(
        "rank",
        "guest_id",
        "guest__family_name",
        "guest__given_name",
        "guest__given_name_latin",
        "guest__family_name_latin",
        "guest__email",
        "segment",
        "revenue",
        "stays",
        "nights",
        "first_stay",
        "last_stay",
        "recency_days",
        "r_score",
        "f_score",
        "m_score",
    )

    def lines():
        for (
            rank,
            gid,
            family,
            given,
            given_latin,
            family_latin,
            email,
            seg,
            revenue,
            stays,
            nights,
            first,
            last,
            recency,
            r,
            f,
            m,
        ) in values.iterator(chunk_size=2000):
            local, latin = f"{family}{given}", " ".join(p for p in (given_latin, family_latin) if p)
            name = f"{local} ({latin})" if local and latin and local != latin else local or latin
            yield [
                rank or "",
                gid,
                name,
                email,
                seg,
                revenue,
                stays,
                nights,
                first.isoformat() if first else "",
                last.isoformat() if last else "",
                "" if recency is None else recency,
                r or "",
                f or "",
                m or "",
            ]

    filename = _filename(f"guests-{segment.replace(',', '-')}", run, None)
    return Table(filename, header, lines(), rows.count(), stream=True)


def _filename(name: str, run, prop) -> str:
    parts = [name]
    if run is not None:
        parts.append(run.as_of.isoformat())
    if prop is not None:
        parts.append(prop.code)
    return "-".join(parts) + ".csv"


EXPORTS = {
    "pyramid": _export_pyramid,
    "lorenz": _export_lorenz,
    "pareto": _export_properties,
    "trend": _export_trend,
    "migration": _export_migration,
    "runs": _export_runs,
    "guests": _export_guests,
}
NEEDS_RUN = {"pyramid", "lorenz", "pareto", "migration", "guests"}


@audit.export_view(what="analytics", permission=DASHBOARD)
def export(request, table: str):
    handler = EXPORTS.get(table)
    if handler is None:
        raise Http404
    try:
        prop = selectors.resolve_property(request.GET.get("property"))
        run = selectors.resolve_run(request.GET.get("run")) if table in NEEDS_RUN else None
        result = handler(request, run, prop)
    except DomainError as error:
        return HttpResponse(
            f"{error.field or 'detail'}: {error.message}\n",
            status=404 if error.status_code == 404 else 400,
            content_type="text/plain; charset=utf-8",
        )
    audit.record_export(
        what=f"analytics:{table}",
        rows=result.count,
        by=request.user,
        run=run.pk if run else None,
        property=prop.code if prop else None,
        segment=request.GET.get("segment"),
    )
    return csv_response(result.filename, result.header, result.rows, stream=result.stream)
