"""The arithmetic of a run, on numpy arrays (no database access here).

Rules, each tested on hand-computed data:

* **Window.** A stay counts when it is checked out and departed in ``(as_of − window,
  as_of]``.  *Active* guests have at least one such stay; *inactive* guests only older
  ones; *prospects* none at all (up to the as-of date).
* **On the books.** A guest who is not active but has a stay on the books (reserved or
  in house, departing on or after the as-of date: ``guests.selectors.on_the_books``) is
  *booked* — neither inactive nor a prospect.  Active guests stay ranked whatever they
  have booked, so the pyramid, Pareto figures and RFM scores do not depend on it.  Net revenue is the sum of
  ``Stay.total_revenue`` (chain currency) in the window, refunds (negative totals)
  included, kept in integer cents so ranking and sums are exact.
* **Rank.** Active guests by net revenue descending, then guest id ascending: a rerun
  on the same data gives the same ranks, and ties are split by id, never kept together.
* **Cuts.** With ``n`` active guests and cumulative cut ``c`` % (VIP 1, Major 5,
  Ordinary 20, Small 100), the guest at rank ``r`` is inside the cut when fewer than
  ``c`` % of the guests rank above them, i.e. ``r ≤ ceil(n · c / 100)``, computed in
  exact integer arithmetic.  So one guest is a VIP; 99 guests give 1 VIP, 4 Major,
  15 Ordinary, 79 Small; 101 guests give 2 VIPs.
* **Top 20 %** is the same rule: the first ``ceil(n · 20 / 100)`` ranks, so with the
  default cuts it equals the VIP + Major + Ordinary revenue share.
* **Gini** of net revenue sorted ascending ``x₁ ≤ … ≤ xₙ`` with total ``S``:
  ``G = 2·Σ i·xᵢ / (n·S) − (n + 1)/n`` (0 = everyone equal; one guest → 0).
* **Lorenz curve**: ``L(p)`` = share of revenue of the poorest ``p`` of guests, sampled
  at ``points + 1`` equal steps of ``p`` with linear interpolation between guests.
  Shares, Gini and the curve are empty (``None``) when net revenue is ≤ 0.
* **RFM**: recency (days since last departure, fewer is better), frequency (stays in
  the window) and monetary (net revenue) each scored 1-5 among active guests from the
  mid-rank percentile: ``1 + floor(5 · (r − ½) / n)`` where ``r`` is the ascending rank,
  ties given their average rank.  Distinct values fall into exact quintiles, equal
  values share a score, and a population where everyone ties scores 3.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from .conf import Parameters
from .models import RANKED_SEGMENTS, Segment

# Small integer codes for segments while computing (0 = vip … 5 = prospect, 6 = booked).
SEGMENT_CODES: tuple[str, ...] = tuple(str(s) for s in RANKED_SEGMENTS) + (
    str(Segment.INACTIVE),
    str(Segment.PROSPECT),
    str(Segment.BOOKED),
)
CODE = {code: i for i, code in enumerate(SEGMENT_CODES)}
INACTIVE = CODE[Segment.INACTIVE]
PROSPECT = CODE[Segment.PROSPECT]
BOOKED = CODE[Segment.BOOKED]
NO_SEGMENT = "none"  # a guest missing from one of two compared runs


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (clamped to the month's end: 31 May → 30 Nov)."""
    years, month_index = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month_index + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def cut_positions(n: int, cumulative: list[tuple[str, Fraction]]) -> list[tuple[str, int]]:
    """Last rank (1-based) of each segment: ``ceil(n · c / 100)``, exact."""
    result = []
    for code, percent in cumulative:
        numerator = n * percent.numerator
        denominator = 100 * percent.denominator
        result.append((code, min(n, -(-numerator // denominator))))
    return result


def quintile_scores(values: np.ndarray) -> np.ndarray:
    """1-5 scores, higher value → higher score; ties share their average rank.
    Exact integer arithmetic on twice the (half-integer) average rank."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first position of each tie group
    ends = np.r_[starts[1:], n] - 1
    group = np.repeat(np.arange(len(starts)), ends - starts + 1)
    twice_rank = np.empty(n, dtype=np.int64)
    twice_rank[order] = (starts + ends + 2)[group]  # (first + last) 1-based ranks = 2 × average rank
    return (5 * (twice_rank - 1) // (2 * n) + 1).astype(np.int8)


def ranking_order(guest_ids: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """Indices of guests by revenue descending, then guest id ascending."""
    return np.lexsort((guest_ids, -revenue))


def cents_to_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{frac:02d}"


def concentration(revenue_desc: np.ndarray, *, top_share: Fraction, points: int) -> dict:
    """Top-share, Gini and Lorenz curve of revenues already sorted by rank (best first)."""
    n = len(revenue_desc)
    total = int(revenue_desc.sum()) if n else 0
    if n == 0 or total <= 0:
        return {
            "top_share": None,
            "top_count": cut_positions(n, [("top", top_share)])[0][1],
            "gini": None,
            "lorenz": [],
        }
    top_count = cut_positions(n, [("top", top_share)])[0][1]
    ascending = revenue_desc[::-1].astype(np.float64)
    positions = np.arange(1, n + 1, dtype=np.float64)
    gini = 2.0 * float(np.dot(positions, ascending)) / (n * float(total)) - (n + 1) / n
    cumulative = np.concatenate(([0.0], np.cumsum(ascending))) / float(total)
    steps = np.linspace(0.0, 1.0, points + 1)
    curve = np.interp(steps * n, np.arange(n + 1, dtype=np.float64), cumulative)
    return {
        "top_share": int(revenue_desc[:top_count].sum()) / total,
        "top_count": top_count,
        "gini": gini,
        "lorenz": [[round(float(p), 6), round(float(v), 9)] for p, v in zip(steps, curve, strict=True)],
    }


def segment_table(codes: np.ndarray, revenue: np.ndarray, *, active: int, total: int) -> dict:
    """Count, revenue, shares and revenue range (the thresholds) of each ranked segment."""
    stats = {}
    for code in RANKED_SEGMENTS:
        mask = codes == CODE[code]
        count = int(mask.sum())
        values = revenue[mask]
        seg_total = int(values.sum()) if count else 0
        stats[str(code)] = {
            "count": count,
            "guest_share": count / active if active else None,
            "revenue": cents_to_text(seg_total),
            "revenue_share": seg_total / total if total > 0 else None,
            "min_revenue": cents_to_text(int(values.min())) if count else None,
            "max_revenue": cents_to_text(int(values.max())) if count else None,
        }
    return stats


def assign_ranked(guest_ids: np.ndarray, revenue: np.ndarray, params: Parameters):
    """(order, ranks, codes) for active guests: ``order`` sorts them best first, ``ranks``
    and ``codes`` are aligned with the input arrays."""
    n = len(guest_ids)
    order = ranking_order(guest_ids, revenue)
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(1, n + 1)
    codes = np.empty(n, dtype=np.int8)
    start = 0
    for code, end in cut_positions(n, params.cumulative_cuts()):
        codes[order[start:end]] = CODE[code]
        start = max(start, end)
    return order, ranks, codes


def figure(
    guest_ids, revenue, codes, order, params: Parameters, *, inactive: int, prospects: int | None, booked=None
) -> dict:
    """The Pareto figure of one population (chain or one property)."""
    n = len(guest_ids)
    total = int(revenue.sum()) if n else 0
    conc = concentration(revenue[order], top_share=params.top_share, points=params.lorenz_points)
    stats = segment_table(codes, revenue, active=n, total=total)
    stats[str(Segment.INACTIVE)] = {"count": inactive}
    if prospects is not None:
        stats[str(Segment.PROSPECT)] = {"count": prospects}
    if booked is not None:
        stats[str(Segment.BOOKED)] = {"count": booked}
    return {
        "active_guests": n,
        "total_revenue_cents": total,
        "top20_share": conc["top_share"],
        "top_guests": conc["top_count"],
        "gini": conc["gini"],
        "lorenz": conc["lorenz"],
        "segment_stats": stats,
    }


@dataclass
class Outcome:
    """Everything a run computed, ready to be written."""

    guests: pd.DataFrame  # one row per guest, see COLUMNS below
    chain: dict
    properties: dict[int, dict] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    migration: dict = field(default_factory=dict)

    @property
    def guest_count(self) -> int:
        return len(self.guests)

    @property
    def active_count(self) -> int:
        return self.chain["active_guests"]


# Columns read per (guest, property) by the run's single aggregate query; ``booked``
# (1 when the guest has a stay on the books, on every row of theirs) may be left out.
ROW_COLUMNS = ["guest_id", "property_id", "revenue", "stays", "nights", "last_gap", "first_gap"]
BOOKED_COLUMN = "booked"


def compute(rows: pd.DataFrame, params: Parameters) -> Outcome:
    """Segments, RFM and figures from the per (guest, property) aggregate.

    ``rows``: ``guest_id``; ``property_id`` (NaN for a guest without any stay);
    ``revenue`` (cents), ``stays`` and ``nights`` in the window; ``last_gap`` days from
    the last departure and ``first_gap`` days from the first arrival, over all
    checked-out stays up to the as-of date; optionally ``booked`` (1 = a stay on the
    books, which makes a guest who is not active *booked*).
    """
    if BOOKED_COLUMN not in rows:
        rows = rows.assign(**{BOOKED_COLUMN: 0})
    # One row per guest; a guest without any stay has a single row with no property and
    # no last departure (the LEFT JOIN), which makes them a prospect.
    per_guest = rows.groupby("guest_id", sort=True).agg(
        revenue=("revenue", "sum"),
        stays=("stays", "sum"),
        nights=("nights", "sum"),
        last_gap=("last_gap", "min"),
        first_gap=("first_gap", "max"),
        booked=(BOOKED_COLUMN, "max"),
    )
    guest_ids = per_guest.index.to_numpy(np.int64)
    revenue = per_guest["revenue"].to_numpy(np.int64)
    stays = per_guest["stays"].to_numpy(np.int64)
    recency = per_guest["last_gap"].to_numpy(np.float64)
    active = stays > 0
    booked = (per_guest["booked"].to_numpy(np.int64) > 0) & ~active
    prospect = np.isnan(recency) & ~booked

    codes = np.where(booked, BOOKED, np.where(prospect, PROSPECT, INACTIVE)).astype(np.int8)
    ranks = np.zeros(len(guest_ids), dtype=np.int64)
    r_score = np.zeros(len(guest_ids), dtype=np.int8)
    f_score = np.zeros(len(guest_ids), dtype=np.int8)
    m_score = np.zeros(len(guest_ids), dtype=np.int8)

    a_ids, a_rev = guest_ids[active], revenue[active]
    order, a_ranks, a_codes = assign_ranked(a_ids, a_rev, params)
    codes[active], ranks[active] = a_codes, a_ranks
    r_score[active] = quintile_scores(-recency[active])
    f_score[active] = quintile_scores(stays[active])
    m_score[active] = quintile_scores(a_rev)

    inactive_count = int((~active & ~prospect & ~booked).sum())
    chain = figure(
        a_ids,
        a_rev,
        a_codes,
        order,
        params,
        inactive=inactive_count,
        prospects=int(prospect.sum()),
        booked=int(booked.sum()),
    )

    properties = {}
    for property_id, group in rows.groupby("property_id", sort=True):  # prospects' rows have none
        in_window = group["stays"].to_numpy() > 0
        p_ids = group["guest_id"].to_numpy(np.int64)[in_window]
        p_rev = group["revenue"].to_numpy(np.int64)[in_window]
        p_order, _p_ranks, p_codes = assign_ranked(p_ids, p_rev, params)
        properties[int(property_id)] = figure(
            p_ids, p_rev, p_codes, p_order, params, inactive=int((~in_window).sum()), prospects=None
        )

    guests = pd.DataFrame(
        {
            "guest_id": guest_ids,
            "segment": codes,
            "revenue": revenue,
            "stays": stays,
            "nights": per_guest["nights"].to_numpy(np.int64),
            "recency_days": recency,
            "first_gap": per_guest["first_gap"].to_numpy(np.float64),
            "rank": ranks,
            "r_score": r_score,
            "f_score": f_score,
            "m_score": m_score,
        }
    )
    del per_guest
    counts = {code: 0 for code in SEGMENT_CODES}
    for index, number in enumerate(np.bincount(guests["segment"].to_numpy(np.int64), minlength=len(SEGMENT_CODES))):
        counts[SEGMENT_CODES[index]] = int(number)
    return Outcome(guests=guests, chain=chain, properties=properties, counts=counts)


def migration_matrix(previous: pd.DataFrame, current: pd.DataFrame) -> dict[str, dict[str, int]]:
    """How many guests moved from each segment to each other one between two runs.

    Both frames have ``guest_id`` and ``segment`` (integer codes); a guest missing from a
    run (new profile, merged away) is counted under ``none``.
    """
    labels = SEGMENT_CODES + (NO_SEGMENT,)
    missing = len(SEGMENT_CODES)
    joined = pd.merge(
        previous[["guest_id", "segment"]],
        current[["guest_id", "segment"]],
        on="guest_id",
        how="outer",
        suffixes=("_from", "_to"),
    )
    from_codes = joined["segment_from"].fillna(missing).to_numpy(np.int64)
    to_codes = joined["segment_to"].fillna(missing).to_numpy(np.int64)
    size = len(labels)
    cells = np.bincount(from_codes * size + to_codes, minlength=size * size).reshape(size, size)
    return {
        labels[i]: {labels[j]: int(cells[i, j]) for j in range(size) if cells[i, j]}
        for i in range(size)
        if cells[i].any()
    }
