"""The churn rules, computed in bulk over every guest's stay history at once.

The scan reads one narrow table — (guest, property, arrival, departure, counts) for the
stays that matter — in a single query, and works on it with pandas; it never issues a
query per guest, so its cost grows linearly with the number of stays.

Definitions (all days are calendar days, ``as_of`` is the scan date):

* **rule stays**: checked-out stays with a guest and a departure on or before ``as_of``;
  only these feed the rules.
* **visit**: a distinct arrival date among a guest's rule stays (two rooms booked for
  the same day are one visit).
* **gap between stays**: the days from one visit's arrival to the previous visit's
  arrival (arrival-to-previous-arrival); a guest with *n* visits has *n - 1* gaps and
  their median is the guest's usual rhythm.
* **lapsed**: at least 2 visits, and the days since the last departure exceed BOTH 365
  and twice the median gap (exactly 365 days is not lapsed; 366 is, when the rhythm
  allows).
* **declining**: at least 2 rule stays in the previous 12 months and fewer than half as
  many in the last 12 months (``2 × recent < previous``; exactly half is not declining).
  The last 12 months are (as_of − 1 year, as_of], the previous ones
  (as_of − 2 years, as_of − 1 year], counted by arrival date; 29 February steps back to
  28 February.
* **on the books**: a guest with a stay reserved or in house that departs on or after
  ``as_of`` (``guests.selectors.on_the_books``, the rule segmentation uses too) gets no
  warning; their open warning closes as "rebooked" (after "returned", which wins).
* **activity**: the latest arrival of any in-house or checked-out stay up to ``as_of``;
  a warning whose guest has a later arrival than the one recorded on it is closed as
  "returned".

The **score** (0-100) that orders the worklist adds three parts:

* value segment from the current segmentation run: VIP 40, Major 30, Ordinary 20,
  Small 10, anything else (inactive, prospect, no run yet) 5;
* reason: the strongest reason — at risk 25, lapsed 20, declining 15 — plus 5 for each
  further reason (at most 35);
* recency: ``25 × (1 − days since last departure / 1095)``, never below 0 — a guest who
  left recently is easier to win back than one gone for three years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection

from crm_site import pgcopy
from guests.models import Stay

LAPSE_MIN_DAYS = 365
DECLINE_MIN_PREVIOUS = 2

SEGMENT_POINTS = {"vip": 40, "major": 30, "ordinary": 20, "small": 10}
OTHER_SEGMENT_POINTS = 5
REASON_POINTS = {"at_risk": 25, "lapsed": 20, "declining": 15}
EXTRA_REASON_POINTS = 5
RECENCY_POINTS = 25
RECENCY_HORIZON_DAYS = 1095

COLUMNS = ["guest_id", "property_id", "arrival", "departure", "counts"]
_DTYPES = {"guest_id": "int64", "property_id": "int32", "arrival": "int32", "departure": "int32", "counts": "bool"}
_ITER_CHUNK = 50_000


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar date ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _empty_stays() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


def load_stays(as_of: dt.date) -> pd.DataFrame:
    """Every in-house or checked-out stay with a guest that arrived by ``as_of``:
    (guest_id, property_id, arrival, departure as date ordinals, counts = a rule stay).

    On PostgreSQL the rows come in one ``COPY ... TO STDOUT (FORMAT binary)``: fixed-width
    rows that numpy reads in place, the fastest way to get millions of rows into memory.
    Elsewhere through ``values_list().iterator()`` in chunks.
    """
    if connection.vendor == "postgresql":
        return _load_postgres(as_of)
    return _load_iterator(as_of)


def _load_postgres(as_of: dt.date) -> pd.DataFrame:
    meta = Stay._meta
    col = {
        name: meta.get_field(name).column for name in ("guest", "property", "arrival_date", "departure_date", "status")
    }
    # date - date is an integer in PostgreSQL; + 1 makes it Python's date.toordinal().
    sql = (
        f"SELECT {col['guest']}::int8, {col['property']}::int4, "
        f"(({col['arrival_date']} - DATE '0001-01-01') + 1)::int4, "
        f"(({col['departure_date']} - DATE '0001-01-01') + 1)::int4, "
        f"(CASE WHEN {col['status']} = %s AND {col['departure_date']} <= %s THEN 1 ELSE 0 END)::int2 "
        f"FROM {meta.db_table} "
        f"WHERE {col['guest']} IS NOT NULL AND {col['status']} IN (%s, %s) AND {col['arrival_date']} <= %s"
    )
    params = [Stay.Status.CHECKED_OUT, as_of, Stay.Status.CHECKED_OUT, Stay.Status.IN_HOUSE, as_of]
    with connection.cursor() as cursor:
        columns = pgcopy.read_fixed(
            cursor,
            sql,
            params,
            [
                ("guest_id", "int8"),
                ("property_id", "int4"),
                ("arrival", "int4"),
                ("departure", "int4"),
                ("counts", "int2"),
            ],
        )
    return pd.DataFrame({name: columns[name].astype(dtype) for name, dtype in _DTYPES.items()})


def _load_iterator(as_of: dt.date) -> pd.DataFrame:
    rows = (
        Stay.objects.filter(
            guest__isnull=False,
            status__in=[Stay.Status.CHECKED_OUT, Stay.Status.IN_HOUSE],
            arrival_date__lte=as_of,
        )
        .order_by()
        .values_list("guest_id", "property_id", "arrival_date", "departure_date", "status")
        .iterator(chunk_size=_ITER_CHUNK)
    )
    checked_out = Stay.Status.CHECKED_OUT
    parts, buffer = [], []
    for guest_id, property_id, arrival, departure, status in rows:
        buffer.append(
            (
                guest_id,
                property_id,
                arrival.toordinal(),
                departure.toordinal(),
                status == checked_out and departure <= as_of,
            )
        )
        if len(buffer) >= _ITER_CHUNK:
            parts.append(pd.DataFrame.from_records(buffer, columns=COLUMNS).astype(_DTYPES))
            buffer = []
    if buffer:
        parts.append(pd.DataFrame.from_records(buffer, columns=COLUMNS).astype(_DTYPES))
    if not parts:
        return _empty_stays()
    return pd.concat(parts, ignore_index=True)


@dataclass
class GuestFacts:
    """What the rules found: ``activity`` = latest arrival per guest (ordinal), ``per_guest``
    = one row per guest with rule stays: stays, visits, last_departure, last_property,
    median_gap, days_since, recent, previous, lapsed, declining."""

    activity: pd.Series
    per_guest: pd.DataFrame
    recent_start: dt.date
    previous_start: dt.date


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Indexes where a new value starts in a sorted array."""
    if len(sorted_keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(([0], np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1))


_FACT_COLUMNS = [
    "stays",
    "visits",
    "last_departure",
    "last_property",
    "median_gap",
    "days_since",
    "recent",
    "previous",
    "lapsed",
    "declining",
]


def _sorted_columns(stays: pd.DataFrame) -> dict[str, np.ndarray]:
    """The stay columns as int64/bool arrays sorted by guest, departure, arrival."""
    guest = stays["guest_id"].to_numpy(dtype=np.int64)
    arrival = stays["arrival"].to_numpy(dtype=np.int64)
    departure = stays["departure"].to_numpy(dtype=np.int64)
    base = int(min(arrival.min(), departure.min()))
    # One sort of everything by an int64 key: guest | departure | arrival (16 bits each for
    # days since the earliest date); lexsort when the values do not fit.
    day_a, day_d = arrival - base, departure - base
    if int(day_d.max()) >= 1 << 16 or int(guest.max()) >= 1 << 31 or int(guest.min()) < 0:
        order = np.lexsort((arrival, departure, guest))
    else:
        order = np.argsort((guest << 32) | (day_d << 16) | day_a)
    return {
        "guest": guest[order],
        "arrival": arrival[order],
        "departure": departure[order],
        "prop": stays["property_id"].to_numpy(dtype=np.int64)[order],
        "counts": stays["counts"].to_numpy(dtype=bool)[order],
        "base": base,
    }


def _visits_and_median_gaps(group_of: np.ndarray, arrival: np.ndarray, base: int, n_groups: int):
    """Visits (distinct arrival days) per guest and the median gap between them."""
    visit_keys = np.sort((group_of << 32) | (arrival - base))
    visit_keys = visit_keys[np.concatenate(([True], visit_keys[1:] != visit_keys[:-1]))]
    visit_group = visit_keys >> 32
    visit_day = visit_keys & 0xFFFFFFFF
    visits = np.bincount(visit_group, minlength=n_groups)
    same = visit_group[1:] == visit_group[:-1]
    # Median per guest: sort gaps within each guest, take the middle one(s).
    gap_keys = np.sort((visit_group[1:][same] << 32) | (visit_day[1:] - visit_day[:-1])[same])  # gaps < 2**32 days
    gap_group, gaps = gap_keys >> 32, gap_keys & 0xFFFFFFFF
    n_gaps = np.bincount(gap_group, minlength=n_groups)
    gap_start = np.concatenate(([0], np.cumsum(n_gaps)[:-1]))
    median_gap = np.full(n_groups, np.nan)
    has_gaps = n_gaps > 0
    lo = gap_start[has_gaps] + (n_gaps[has_gaps] - 1) // 2
    hi = gap_start[has_gaps] + n_gaps[has_gaps] // 2
    median_gap[has_gaps] = (gaps[lo] + gaps[hi]) / 2
    return visits, median_gap


def _per_guest(columns: dict[str, np.ndarray], as_of: dt.date, one_year: dt.date, two_years: dt.date) -> pd.DataFrame:
    """One row per guest with rule stays: the numbers and the lapsed/declining flags."""
    guest, arrival, departure = columns["guest"], columns["arrival"], columns["departure"]
    starts = _group_starts(guest)
    ends = np.append(starts[1:], len(guest))
    last = ends - 1  # sorted by departure (then arrival) within a guest
    n_stays = ends - starts
    group_of = np.repeat(np.arange(len(starts)), n_stays)
    visits, median_gap = _visits_and_median_gaps(group_of, arrival, columns["base"], len(starts))

    as_of_ord = as_of.toordinal()
    days_since = as_of_ord - departure[last]
    in_recent = (arrival > one_year.toordinal()) & (arrival <= as_of_ord)
    in_previous = (arrival > two_years.toordinal()) & (arrival <= one_year.toordinal())
    recent = np.bincount(group_of[in_recent], minlength=len(starts))
    previous = np.bincount(group_of[in_previous], minlength=len(starts))
    return pd.DataFrame(
        {
            "stays": n_stays,
            "visits": visits,
            "last_departure": departure[last],
            "last_property": columns["prop"][last],
            "median_gap": median_gap,
            "days_since": days_since,
            "recent": recent,
            "previous": previous,
            "lapsed": (visits >= 2)
            & (days_since > LAPSE_MIN_DAYS)
            & (days_since > 2 * np.nan_to_num(median_gap, nan=np.inf)),
            "declining": (previous >= DECLINE_MIN_PREVIOUS) & (2 * recent < previous),
        },
        index=pd.Index(guest[starts], name="guest_id"),
    )


def evaluate(stays: pd.DataFrame, as_of: dt.date) -> GuestFacts:
    """Apply the lapsed and declining rules to every guest at once.

    Pure numpy on sorted integer keys (guest id, then dates as day numbers): a few sorts
    of the whole table and per-guest reductions by group boundaries, so millions of stays
    take seconds and memory stays a small multiple of the input.
    """
    one_year = years_before(as_of, 1)
    two_years = years_before(as_of, 2)
    if stays.empty:
        activity = pd.Series(dtype="int64", index=pd.Index([], dtype="int64", name="guest_id"))
        return GuestFacts(activity, pd.DataFrame(columns=_FACT_COLUMNS), one_year, two_years)

    columns = _sorted_columns(stays)
    all_starts = _group_starts(columns["guest"])
    activity = pd.Series(
        np.maximum.reduceat(columns["arrival"], all_starts),
        index=pd.Index(columns["guest"][all_starts], name="guest_id"),
    )
    counts = columns.pop("counts")
    for name in ("guest", "arrival", "departure", "prop"):
        columns[name] = columns[name][counts]
    if len(columns["guest"]) == 0:
        return GuestFacts(activity, pd.DataFrame(columns=_FACT_COLUMNS), one_year, two_years)
    return GuestFacts(activity, _per_guest(columns, as_of, one_year, two_years), one_year, two_years)


def churn_score(
    *, segment: str | None, reasons: Iterable[str], days_since_last_departure: int | None
) -> tuple[int, dict]:
    """The 0-100 priority of a warning and its parts (see the module docstring)."""
    reasons = list(reasons)
    segment_part = SEGMENT_POINTS.get(segment or "", OTHER_SEGMENT_POINTS)
    reason_part = 0
    if reasons:
        reason_part = max(REASON_POINTS[r] for r in reasons) + EXTRA_REASON_POINTS * (len(reasons) - 1)
    days = days_since_last_departure if days_since_last_departure is not None else RECENCY_HORIZON_DAYS
    recency_part = round(RECENCY_POINTS * max(0.0, 1 - max(days, 0) / RECENCY_HORIZON_DAYS))
    total = max(0, min(100, segment_part + reason_part + recency_part))
    return total, {"segment": segment_part, "reason": reason_part, "recency": recency_part}


def churn_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`churn_score` for every row at once.  ``frame`` has ``segment``, the boolean
    reason columns ``lapsed``, ``declining``, ``at_risk`` and ``days_since``; returns
    ``score`` and its parts ``segment_points``, ``reason_points``, ``recency_points``."""
    segment_points = frame["segment"].map(SEGMENT_POINTS).fillna(OTHER_SEGMENT_POINTS).astype("int64").to_numpy()
    flags = {code: frame[code].to_numpy(dtype=bool) for code in REASON_POINTS}
    strongest = np.zeros(len(frame), dtype=np.int64)
    for code, points in REASON_POINTS.items():
        strongest = np.maximum(strongest, np.where(flags[code], points, 0))
    n_reasons = sum(flag.astype(np.int64) for flag in flags.values())
    reason_points = np.where(n_reasons > 0, strongest + EXTRA_REASON_POINTS * (n_reasons - 1), 0)
    days = np.clip(frame["days_since"].to_numpy(dtype=np.float64), 0, None)
    # round half to even, as Python's round() in churn_score
    recency_points = np.round(RECENCY_POINTS * np.clip(1 - days / RECENCY_HORIZON_DAYS, 0, None)).astype(np.int64)
    score = np.clip(segment_points + reason_points + recency_points, 0, 100)
    return pd.DataFrame(
        {
            "score": score,
            "segment_points": segment_points,
            "reason_points": reason_points,
            "recency_points": recency_points,
        },
        index=frame.index,
    )
