"""Reads for the dashboards, the API and the other apps, each in a fixed number of queries.

Other apps use three of them:

* ``current_run()`` — the completed run guests' segments are read from (or ``None``);
* ``current_segments(guest_ids) -> {guest_id: segment}`` — one query for any number of ids;
* ``guest_ids_in_segment(segment, run=None)`` — a lazy ``guest_id`` subquery, so
  ``Guest.objects.filter(pk__in=guest_ids_in_segment("vip"))`` stays one SQL statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction

from django.db import connection
from django.db.models import F, QuerySet, Subquery
from django.utils.translation import gettext as _

from crm_site.errors import DomainError, NotFound
from crm_site.prepared import Prepared
from crm_site.revenue import without_revenue
from guests.models import Property
from guests.money import chain_currency
from guests.selectors import next_stays_on_the_books

from .conf import load_parameters
from .models import RANKED_SEGMENTS, GuestSegment, ParetoFigure, Segment, SegmentationRun
from .segmentation import NO_SEGMENT, SEGMENT_CODES, cut_positions, months_before

SEGMENT_LABELS = dict(Segment.choices)
TREND_RUNS = 60  # runs shown on a trend


def segment_label(code: str) -> str:
    if code == NO_SEGMENT:  # new profiles (rows) or merged-away ones (columns)
        return str(_("Not in that run"))
    return str(SEGMENT_LABELS.get(code, code))


# --- for other apps --------------------------------------------------------------------


def current_run() -> SegmentationRun | None:
    return SegmentationRun.objects.filter(is_current=True).first()


# From this many guests on, the badge statement runs without parallel workers.
SERIAL_FROM = 50


def _current_segments(*, guest_ids: list[int]):
    current = SegmentationRun.objects.filter(is_current=True).values("pk")[:1]
    return (
        GuestSegment.objects.filter(run_id=Subquery(current), guest_id__in_ids=guest_ids)
        .order_by()
        .values_list("guest_id", "segment")
    )


_current_segments_of = Prepared(_current_segments)  # compiled once (crm_site.prepared)


def current_segments(guest_ids: Iterable[int]) -> dict[int, str]:
    """``{guest_id: segment code}`` from the current run; guests it has not seen are absent."""
    ids = list(guest_ids)
    if not ids:
        return {}
    # The current run id as a scalar subquery (not a join): PostgreSQL prunes the other
    # runs' partitions at execution time and probes the (run, guest) primary key.  No
    # ORDER BY (the model's ordering joined the runs and the guests to sort rows that end
    # up in a dict): the statement reads the segment rows alone.
    if connection.vendor != "postgresql" or len(ids) < SERIAL_FROM:
        return dict(_current_segments_of(guest_ids=ids))
    rows = _current_segments(guest_ids=ids)
    # Hundreds of ids (a day's arrivals): planned over every run's partition, the
    # statement launched parallel workers for 500 index probes (13.4 ms instead of 4.8 ms
    # serial).  SET LOCAL in the same query string holds for this statement only (one
    # implicit transaction; inside a request's transaction, until it ends).
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = 0; {sql}", params)
        return dict(cursor.fetchall())


def parse_segments(value: str | Iterable[str]) -> list[str]:
    """``"vip,major"`` or ``["vip"]`` → validated codes; DomainError(field="segment") otherwise."""
    codes = [c.strip().lower() for c in (value.split(",") if isinstance(value, str) else value) if c.strip()]
    unknown = [c for c in codes if c not in SEGMENT_CODES]
    if not codes or unknown:
        raise DomainError(
            _("Unknown segment; use one of: %(codes)s.") % {"codes": ", ".join(SEGMENT_CODES)}, field="segment"
        )
    return codes


def guest_ids_in_segment(segment: str | Iterable[str], run: SegmentationRun | None = None) -> QuerySet:
    """Guest ids in a segment (or several, ``"vip,major"``) of ``run`` (default: current)."""
    rows = GuestSegment.objects.filter(segment__in=parse_segments(segment))
    rows = rows.filter(run=run) if run is not None else rows.filter(run__is_current=True)
    return rows.values("guest_id")


# --- resolving query parameters --------------------------------------------------------


def resolve_run(run_id: str | int | None = None) -> SegmentationRun:
    """A completed run by id, or the current one; clear errors otherwise."""
    if run_id in (None, ""):
        run = current_run()
        if run is None:
            raise NotFound(_("No segmentation has completed yet."), field="run")
        return run
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a run id (a whole number)."), field="run") from None
    run = SegmentationRun.objects.filter(pk=pk, status=SegmentationRun.Status.COMPLETED).first()
    if run is None:
        raise DomainError(_("No completed run with this id."), field="run")
    return run


def resolve_property(code: str | None) -> Property | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    prop = Property.objects.filter(code=code).first()
    if prop is None:
        raise DomainError(_("Unknown property code."), field="property")
    return prop


# --- pyramid and Pareto ----------------------------------------------------------------


def _figure(run: SegmentationRun, prop: Property | None) -> ParetoFigure:
    figure = ParetoFigure.objects.filter(run=run, property=prop).first()
    if figure is None:  # the hotel had no checked-out stay up to that date
        figure = ParetoFigure(run=run, property=prop, segment_stats={})
    return figure


def _segment_rows(figure: ParetoFigure, cuts: dict) -> list[dict]:
    stats = figure.segment_stats or {}
    rows = []
    for code in RANKED_SEGMENTS:
        entry = stats.get(str(code), {})
        rows.append(
            {
                "code": str(code),
                "label": segment_label(str(code)),
                "cut_percent": cuts.get(str(code)),
                "count": entry.get("count", 0),
                "guest_share": entry.get("guest_share"),
                "revenue": entry.get("revenue", "0.00"),
                "revenue_share": entry.get("revenue_share"),
                "min_revenue": entry.get("min_revenue"),
                "max_revenue": entry.get("max_revenue"),
            }
        )
    return rows


def pyramid(*, run: SegmentationRun, prop: Property | None = None, figure: ParetoFigure | None = None) -> dict:
    """Segments with counts, revenue, shares and thresholds (1 query: the figure)."""
    figure = figure or _figure(run, prop)
    stats = figure.segment_stats or {}
    return {
        "run": run,
        "property": prop,
        "as_of": run.as_of,
        "parameters": run.parameters,
        "active_guests": figure.active_guests,
        "total_revenue": figure.total_revenue,
        "segments": _segment_rows(figure, (run.parameters or {}).get("cuts", {})),
        "inactive": stats.get(str(Segment.INACTIVE), {}).get("count", 0),
        "prospects": stats.get(str(Segment.PROSPECT), {}).get("count") if prop is None else None,
        "booked": stats.get(str(Segment.BOOKED), {}).get("count") if prop is None else None,
        "figure": figure,
    }


def pareto(*, run: SegmentationRun, prop: Property | None = None, figure: ParetoFigure | None = None) -> dict:
    """Top-20 % share, Gini, Lorenz points and the trend over runs (2 queries)."""
    figure = figure or _figure(run, prop)
    return {
        "run": run,
        "property": prop,
        "as_of": run.as_of,
        "active_guests": figure.active_guests,
        "total_revenue": figure.total_revenue,
        "top20_share": figure.top20_share,
        "top_guests": figure.top_guests,
        "top_share_percent": run.parameters.get("top_share", 20),
        "gini": figure.gini,
        "lorenz": figure.lorenz or [],
        "trend": trend(prop=prop),
        "figure": figure,
    }


def _number_text(value) -> str:
    """20 → "20", 2.5 → "2.5" (percent settings as people write them)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def current_top_share() -> str:
    """The top share the settings give now ("20"), for labels without a run."""
    try:
        return _number_text(load_parameters().top_share)
    except DomainError:
        return "20"


def definitions(run: SegmentationRun) -> dict:
    """What the figures of ``run`` mean, from the parameters the run used (no query):
    the window, the cuts, the top share, the currency, and whether the settings have
    changed since (the next run follows them)."""
    params = run.parameters or {}
    months = int(params.get("window_months", 24))
    start = months_before(run.as_of, months)
    cumulative, cuts = 0.0, []
    for code in RANKED_SEGMENTS:
        share = float((params.get("cuts") or {}).get(str(code), 0))
        cumulative += share
        cuts.append(
            {
                "code": str(code),
                "label": segment_label(str(code)),
                "percent": _number_text(share),
                "cumulative": _number_text(cumulative),
            }
        )
    try:
        current = load_parameters().as_json()
    except DomainError:
        current = None
    compared = ("window_months", "cuts", "top_share")
    changed = current is not None and any(current.get(k) != params.get(k) for k in compared if k in params)
    return {
        "as_of": run.as_of,
        "window_months": months,
        "window_start": start,
        "window_first_day": start + dt.timedelta(days=1),
        "top_share": _number_text(params.get("top_share", 20)),
        "cuts": cuts,
        "currency": chain_currency(),
        "settings_changed": changed,
        "current": current,
    }


def dashboard(*, run: SegmentationRun, prop: Property | None = None) -> dict:
    """Pyramid, Pareto, trend, migration and the hotels' figures for one page (4 queries)."""
    figure = _figure(run, prop)
    return {
        "definitions": definitions(run),
        "pyramid": pyramid(run=run, prop=prop, figure=figure),
        "pareto": pareto(run=run, prop=prop, figure=figure),
        "migration": migration(run) if prop is None else None,
        "property_figures": property_figures(run=run) if prop is None else [],
    }


def trend(*, prop: Property | None = None, limit: int = TREND_RUNS) -> list[dict]:
    """Chain-wide (or one hotel's) figures of the latest completed runs, oldest first."""
    figures = (
        ParetoFigure.objects.filter(run__status=SegmentationRun.Status.COMPLETED, property=prop)
        .order_by("-run__as_of")
        .values(
            "run_id",
            "run__as_of",
            "active_guests",
            "total_revenue",
            "top20_share",
            "gini",
            "segment_stats",
        )[:limit]
    )
    result = []
    for f in reversed(list(figures)):
        stats = f["segment_stats"] or {}
        result.append(
            {
                "run": f["run_id"],
                "as_of": f["run__as_of"],
                "active_guests": f["active_guests"],
                "total_revenue": f["total_revenue"],
                "top20_share": f["top20_share"],
                "gini": f["gini"],
                "segment_counts": {str(c): stats.get(str(c), {}).get("count", 0) for c in RANKED_SEGMENTS},
            }
        )
    return result


def property_figures(*, run: SegmentationRun) -> list[ParetoFigure]:
    """Every hotel's figure for a run (1 query), for the comparison table."""
    return list(
        ParetoFigure.objects.filter(run=run, property__isnull=False)
        .select_related("property")
        .order_by("property__code")
    )


def migration(run: SegmentationRun) -> dict:
    """The stored migration matrix as ordered rows and columns (no query)."""
    stored = run.migration or {}
    matrix = stored.get("matrix") or {}
    labels = [c for c in (*SEGMENT_CODES, NO_SEGMENT) if c in matrix or any(c in row for row in matrix.values())]
    peak = max((n for row in matrix.values() for n in row.values()), default=0)
    rows = []
    for source in labels:
        cells = []
        row_total = sum(matrix.get(source, {}).values())
        for target in labels:
            count = matrix.get(source, {}).get(target, 0)
            cells.append(
                {
                    "to": target,
                    "count": count,
                    "row_share": count / row_total if row_total else None,
                    "intensity": round(count / peak, 3) if peak else 0,
                    "same": source == target,
                }
            )
        rows.append({"from": source, "label": segment_label(source), "total": row_total, "cells": cells})
    return {
        "from_as_of": stored.get("from_as_of"),
        "columns": [{"code": c, "label": segment_label(c)} for c in labels],
        "rows": rows,
        "matrix": matrix,
    }


def completed_runs(limit: int = TREND_RUNS) -> list[SegmentationRun]:
    return list(
        SegmentationRun.objects.filter(status=SegmentationRun.Status.COMPLETED)
        .order_by("-as_of")
        .only("id", "as_of", "is_current")[:limit]
    )


def run_history() -> QuerySet[SegmentationRun]:
    return SegmentationRun.objects.order_by("-as_of", "-id")


def segment_guests(*, run: SegmentationRun, segment: str, came_from: str | None = None) -> QuerySet[GuestSegment]:
    """The guests of one segment of a run, best ranked first (drill-down and export).

    ``came_from``: only those who were in that segment in the run's previous run (a cell
    of the migration matrix; ``none`` = not in the previous run)."""
    codes = parse_segments(segment)
    rows = GuestSegment.objects.filter(run=run, segment__in=codes)
    if came_from:
        if came_from != NO_SEGMENT:
            came_from = parse_segments(came_from)[0]
        if run.previous_run_id is None:
            raise DomainError(_("This run has no previous run to compare with."), field="from")
        before = GuestSegment.objects.filter(run_id=run.previous_run_id).values("guest_id")
        if came_from == NO_SEGMENT:
            rows = rows.exclude(guest_id__in=before)
        else:
            rows = rows.filter(guest_id__in=before.filter(segment=came_from))
    if set(codes) <= {str(c) for c in RANKED_SEGMENTS}:
        # Ranks are unique among active guests: the (run, segment, rank) index gives the page.
        return rows.select_related("guest").order_by("rank")
    return rows.select_related("guest").order_by(
        F("rank").asc(nulls_last=True), F("recency_days").asc(nulls_last=True), "guest_id"
    )


def _rank_ranges(run: SegmentationRun) -> dict[str, tuple[int, int, str]]:
    """{segment: (first rank, last rank, cumulative cut %)} of the run's active guests."""
    params = run.parameters or {}
    cumulative, steps = Fraction(0), []
    for code in RANKED_SEGMENTS:
        cumulative += Fraction(str((params.get("cuts") or {}).get(str(code), 0)))
        steps.append((str(code), cumulative))
    ranges, first = {}, 1
    for (code, last), (_code, percent) in zip(cut_positions(run.active_count, steps), steps, strict=True):
        ranges[code] = (first, last, _number_text(float(percent)))
        first = max(first, last + 1)
    return ranges


def segment_reasons(run: SegmentationRun, rows: Iterable[GuestSegment]) -> dict[int, dict]:
    """What put each guest of a page of segment rows where they are (1 query, for the
    booked guests' stay on the books):

    * ranked: their rank among the active guests and the cut that holds it;
    * inactive: the last departure, before the window's first day;
    * prospect: no checked-out stay up to the as-of date and nothing on the books;
    * booked: the stay on the books (reserved or in house) that keeps them off the other two.
    """
    rows = list(rows)
    window = definitions(run)
    ranges = _rank_ranges(run) if any(r.rank for r in rows) else {}
    booked_ids = [r.guest_id for r in rows if r.segment == Segment.BOOKED]
    stays = next_stays_on_the_books(run.as_of, booked_ids) if booked_ids else {}
    reasons = {}
    for row in rows:
        reason = {"kind": row.segment, "window": window}
        if row.segment in ranges:
            first, last, percent = ranges[row.segment]
            reason.update(rank=row.rank, active=run.active_count, first=first, last=last, cut=percent)
        elif row.segment == Segment.BOOKED:
            reason["kind"] = "booked"
            reason["stay"] = stays.get(row.guest_id)
        reasons[row.guest_id] = reason
    return reasons


# --- the guest 360 page ----------------------------------------------------------------

HISTORY_RUNS = 6


def _guest_segments(*, guest_id: int):
    latest_runs = SegmentationRun.objects.filter(
        status=SegmentationRun.Status.COMPLETED, guest_rows_pruned=False
    ).order_by("-as_of")[:HISTORY_RUNS]
    return (
        GuestSegment.objects.filter(run_id__in=latest_runs.values("pk"), guest_id=guest_id)  # primary key lookups
        .select_related("run")
        .order_by("-run__as_of")
    )


_guest_segments_of = Prepared(_guest_segments)  # the 360's statement, compiled once (crm_site.prepared)


def guest_segment_profile(guest, viewer=None) -> dict:
    """The guest's current segment, rank and RFM, and their last few runs (1 query); the
    net revenue only for a viewer who may see revenue (``crm_site.revenue``)."""
    rows = _guest_segments_of(guest_id=guest.pk)
    current = next((r for r in rows if r.run.is_current), None)
    data = {"current": None, "history": []}
    if current is not None:
        data["current"] = {
            "run": current.run_id,
            "as_of": current.run.as_of.isoformat(),
            "segment": current.segment,
            "segment_label": segment_label(current.segment),
            "revenue": str(current.revenue),
            "rank": current.rank,
            "active_guests": current.run.active_count,
            "stays": current.stays,
            "nights": current.nights,
            "recency_days": current.recency_days,
            "first_stay": current.first_stay.isoformat() if current.first_stay else None,
            "last_stay": current.last_stay.isoformat() if current.last_stay else None,
            "r_score": current.r_score,
            "f_score": current.f_score,
            "m_score": current.m_score,
            "rfm": current.rfm,
            "window_months": current.run.parameters.get("window_months"),
        }
        data["current"] = without_revenue(data["current"], viewer, keys=("revenue",))
    data["history"] = [
        {"as_of": r.run.as_of.isoformat(), "segment": r.segment, "segment_label": segment_label(r.segment)}
        for r in rows
    ]
    return data
