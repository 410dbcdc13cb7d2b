"""The churn rules on hand-built histories, without a database (care.churn.evaluate)."""

import datetime as dt

import pandas as pd
import pytest

from care import churn

AS_OF = dt.date(2025, 6, 30)


def frame(rows):
    """rows: (guest_id, arrival, nights[, counts]) → the scan's stay frame."""
    records = []
    for row in rows:
        guest_id, arrival, nights, *rest = row
        counts = rest[0] if rest else True
        records.append((guest_id, 1, arrival.toordinal(), (arrival + dt.timedelta(days=nights)).toordinal(), counts))
    return pd.DataFrame.from_records(records, columns=churn.COLUMNS).astype(churn._DTYPES)


def departed_days_ago(days, nights=2):
    """The arrival date of a stay whose departure was ``days`` before AS_OF."""
    return AS_OF - dt.timedelta(days=days + nights)


def test_lapsed_boundary_exactly_365_days_is_not_lapsed():
    last = departed_days_ago(365)
    facts = churn.evaluate(frame([(1, last - dt.timedelta(days=60), 2), (1, last, 2)]), AS_OF)
    row = facts.per_guest.loc[1]
    assert row.days_since == 365
    assert row.median_gap == 60
    assert not row.lapsed


def test_lapsed_at_366_days_with_a_short_rhythm():
    last = departed_days_ago(366)
    facts = churn.evaluate(frame([(1, last - dt.timedelta(days=60), 2), (1, last, 2)]), AS_OF)
    assert facts.per_guest.loc[1].lapsed


def test_lapsed_needs_more_than_twice_the_median_gap():
    # Visits every 200 days: twice the rhythm is 400 days, so 390 days away is not lapsed
    # yet even though it is over 365; 401 days is.
    for days, expected in ((390, False), (400, False), (401, True)):
        last = departed_days_ago(days)
        history = [(1, last - dt.timedelta(days=400), 2), (1, last - dt.timedelta(days=200), 2), (1, last, 2)]
        row = churn.evaluate(frame(history), AS_OF).per_guest.loc[1]
        assert row.median_gap == 200
        assert bool(row.lapsed) is expected, days


def test_median_gap_is_arrival_to_previous_arrival_median():
    start = dt.date(2022, 1, 1)
    gaps = [10, 100, 40, 400]  # median 70
    arrivals = [start]
    for gap in gaps:
        arrivals.append(arrivals[-1] + dt.timedelta(days=gap))
    row = churn.evaluate(frame([(7, a, 3) for a in arrivals]), AS_OF).per_guest.loc[7]
    assert row.median_gap == 70
    assert row.visits == 5


def test_a_single_visit_is_never_lapsed_and_same_day_stays_are_one_visit():
    long_ago = departed_days_ago(900)
    facts = churn.evaluate(frame([(1, long_ago, 2), (2, long_ago, 2), (2, long_ago, 3)]), AS_OF)
    assert not facts.per_guest.loc[1].lapsed
    assert facts.per_guest.loc[2].stays == 2
    assert facts.per_guest.loc[2].visits == 1
    assert not facts.per_guest.loc[2].lapsed


def test_stays_that_do_not_count_only_mark_activity():
    last = departed_days_ago(500)
    rows = [(1, last - dt.timedelta(days=30), 2), (1, last, 2), (1, AS_OF - dt.timedelta(days=1), 3, False)]
    facts = churn.evaluate(frame(rows), AS_OF)
    assert facts.per_guest.loc[1].lapsed  # the rules see only the checked-out stays
    assert facts.activity.loc[1] == (AS_OF - dt.timedelta(days=1)).toordinal()


def _declining(previous, recent):
    one_year = churn.years_before(AS_OF, 1)
    rows = [(1, one_year - dt.timedelta(days=10 + 20 * i), 1) for i in range(previous)]
    rows += [(1, AS_OF - dt.timedelta(days=10 + 20 * i), 1) for i in range(recent)]
    return churn.evaluate(frame(rows), AS_OF).per_guest.loc[1]


@pytest.mark.parametrize(
    ("previous", "recent", "expected"),
    [
        (4, 2, False),  # exactly half is not declining
        (4, 1, True),
        (3, 1, True),  # 1 < 1.5
        (2, 0, True),
        (2, 1, False),  # exactly half again
        (1, 0, False),  # needs at least 2 before
        (5, 3, False),
    ],
)
def test_declining_boundaries(previous, recent, expected):
    row = _declining(previous, recent)
    assert (row.previous, row.recent) == (previous, recent)
    assert bool(row.declining) is expected


def test_declining_windows_are_calendar_years_by_arrival():
    one_year = churn.years_before(AS_OF, 1)
    two_years = churn.years_before(AS_OF, 2)
    rows = [
        (1, one_year, 1),  # on the boundary: belongs to the previous year
        (1, one_year + dt.timedelta(days=1), 1),  # first day of the last 12 months
        (1, two_years, 1),  # outside both windows
        (1, two_years + dt.timedelta(days=1), 1),
    ]
    row = churn.evaluate(frame(rows), AS_OF).per_guest.loc[1]
    assert (row.previous, row.recent) == (2, 1)


def test_years_before_handles_29_february():
    assert churn.years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert churn.years_before(dt.date(2025, 3, 1), 1) == dt.date(2024, 3, 1)


def test_empty_history():
    facts = churn.evaluate(frame([]), AS_OF)
    assert facts.per_guest.empty
    assert facts.activity.empty


def test_score_formula_and_ordering():
    vip_risk, detail = churn.churn_score(segment="vip", reasons=["at_risk"], days_since_last_departure=0)
    assert (vip_risk, detail) == (90, {"segment": 40, "reason": 25, "recency": 25})
    all_three, _ = churn.churn_score(
        segment="vip", reasons=["lapsed", "declining", "at_risk"], days_since_last_departure=0
    )
    assert all_three == 100
    unknown_old, detail = churn.churn_score(segment=None, reasons=["declining"], days_since_last_departure=5000)
    assert (unknown_old, detail["recency"]) == (20, 0)
    major_lapsed, _ = churn.churn_score(segment="major", reasons=["lapsed"], days_since_last_departure=400)
    small_lapsed, _ = churn.churn_score(segment="small", reasons=["lapsed"], days_since_last_departure=400)
    fresher, _ = churn.churn_score(segment="small", reasons=["lapsed"], days_since_last_departure=370)
    assert vip_risk > major_lapsed > fresher > small_lapsed


def test_large_ids_and_long_histories_take_the_lexsort_path():
    last = departed_days_ago(400)
    rows = [(1, last - dt.timedelta(days=90), 2), (1, last, 2), (1, dt.date(1850, 1, 1), 2)]
    big = [(2**40 + guest, arrival, nights) for guest, arrival, nights in rows]
    small_facts = churn.evaluate(frame(rows), AS_OF).per_guest.loc[1]
    big_facts = churn.evaluate(frame(big), AS_OF).per_guest.loc[2**40 + 1]
    assert list(small_facts) == list(big_facts)
    assert small_facts.visits == 3 and small_facts.median_gap > 365 and not small_facts.lapsed


def test_vectorised_scores_match_the_documented_formula():
    import itertools

    rows = []
    for segment, flags, days in itertools.product(
        ["vip", "major", "ordinary", "small", "inactive", ""],
        itertools.product([False, True], repeat=3),
        [0, 1, 21, 22, 400, 547, 548, 1094, 1095, 4000],
    ):
        rows.append(
            {"segment": segment, "lapsed": flags[0], "declining": flags[1], "at_risk": flags[2], "days_since": days}
        )
    table = pd.DataFrame(rows)
    scores = churn.churn_scores(table)
    for row, got in zip(rows, scores.itertuples(), strict=True):
        reasons = [code for code in ("lapsed", "declining", "at_risk") if row[code]]
        expected, parts = churn.churn_score(
            segment=row["segment"], reasons=reasons, days_since_last_departure=row["days_since"]
        )
        assert (got.score, got.segment_points, got.reason_points, got.recency_points) == (
            expected,
            parts["segment"],
            parts["reason"],
            parts["recency"],
        ), row
