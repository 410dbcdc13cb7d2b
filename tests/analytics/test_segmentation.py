"""The arithmetic, on arrays: cuts, quintiles, concentration (no database)."""

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from analytics import segmentation as calc
from analytics.conf import load_parameters

DEFAULT_CUMULATIVE = [
    ("vip", Fraction(1)),
    ("major", Fraction(5)),
    ("ordinary", Fraction(20)),
    ("small", Fraction(100)),
]


def sizes(n):
    """Segment sizes for n active guests with the default cuts."""
    ends = [end for _code, end in calc.cut_positions(n, DEFAULT_CUMULATIVE)]
    return [b - a for a, b in zip([0, *ends], ends, strict=False)]


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, [0, 0, 0, 0]),
        (1, [1, 0, 0, 0]),
        (2, [1, 0, 0, 1]),
        (5, [1, 0, 0, 4]),
        (20, [1, 0, 3, 16]),
        (99, [1, 4, 15, 79]),
        (100, [1, 4, 15, 80]),
        (101, [2, 4, 15, 80]),
        (1000, [10, 40, 150, 800]),
        (1_000_001, [10001, 40000, 150000, 800000]),
    ],
)
def test_cut_sizes_use_ceil_of_the_cumulative_share(n, expected):
    assert sizes(n) == expected


def test_cuts_are_exact_for_shares_that_floats_get_wrong():
    # 7 % of 100 is 7.000000000000001 in floating point; ceil would give 8.
    assert calc.cut_positions(100, [("x", Fraction("7"))]) == [("x", 7)]
    assert calc.cut_positions(300, [("x", Fraction("0.1"))]) == [("x", 1)]


def test_quintiles_of_distinct_values_are_exact_fifths():
    assert calc.quintile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert calc.quintile_scores(np.array([500, 100, 300, 200, 400])).tolist() == [5, 1, 3, 2, 4]


def test_quintiles_give_ties_the_same_score():
    # Six guests with one stay share the average rank 3.5 → 1 + floor(5 · 3 / 10) = 2.
    values = np.array([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])
    assert calc.quintile_scores(values).tolist() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    assert calc.quintile_scores(np.array([7, 7, 7])).tolist() == [3, 3, 3]
    assert calc.quintile_scores(np.array([42])).tolist() == [3]
    assert calc.quintile_scores(np.array([5, 5, 1, 9])).tolist() == [3, 3, 1, 5]
    assert calc.quintile_scores(np.array([])).tolist() == []


def test_ranking_breaks_ties_by_guest_id():
    ids = np.array([30, 10, 20, 40])
    revenue = np.array([100, 300, 100, 300])
    order = calc.ranking_order(ids, revenue)
    assert ids[order].tolist() == [10, 40, 20, 30]


def test_concentration_hand_computed():
    # Net revenue (cents) by rank: 500, 300, 300, 100, -50 (a refund); total 1150.
    desc = np.array([500, 300, 300, 100, -50])
    result = calc.concentration(desc, top_share=Fraction(20), points=100)
    assert result["top_count"] == 1
    assert result["top_share"] == pytest.approx(500 / 1150, abs=1e-12)
    # ascending -50, 100, 300, 300, 500: Σ i·x = 4750; G = 2·4750/(5·1150) − 6/5
    assert result["gini"] == pytest.approx(2 * 4750 / (5 * 1150) - 6 / 5, abs=1e-12)
    assert len(result["lorenz"]) == 101
    assert result["lorenz"][0] == [0.0, 0.0]
    assert result["lorenz"][-1] == [1.0, 1.0]
    # p = 0.1 → position 0.5 between 0 and the first guest (−50): −25 / 1150
    assert result["lorenz"][10][1] == pytest.approx(-25 / 1150, abs=1e-9)


def test_concentration_of_one_guest_and_of_equal_guests():
    one = calc.concentration(np.array([12345]), top_share=Fraction(20), points=100)
    assert (one["top_share"], one["gini"]) == (1.0, 0.0)
    equal = calc.concentration(np.array([100] * 10), top_share=Fraction(20), points=100)
    assert equal["gini"] == pytest.approx(0.0, abs=1e-12)
    assert equal["top_share"] == pytest.approx(0.2, abs=1e-12)
    assert all(v == pytest.approx(p, abs=1e-9) for p, v in equal["lorenz"])


def test_concentration_is_empty_when_net_revenue_is_not_positive():
    for values in ([0, 0, 0], [100, -100], [-5]):
        result = calc.concentration(np.array(values), top_share=Fraction(20), points=100)
        assert result["top_share"] is None and result["gini"] is None and result["lorenz"] == []


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (dt.date(2026, 3, 15), 24, dt.date(2024, 3, 15)),
        (dt.date(2026, 2, 28), 24, dt.date(2024, 2, 28)),
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
        (dt.date(2026, 5, 31), 6, dt.date(2025, 11, 30)),
        (dt.date(2026, 1, 1), 1, dt.date(2025, 12, 1)),
    ],
)
def test_months_before(day, months, expected):
    assert calc.months_before(day, months) == expected


def test_migration_matrix_counts_moves_new_and_gone_guests():
    before = pd.DataFrame({"guest_id": [1, 2, 3, 4], "segment": [0, 3, 3, 4]})
    after = pd.DataFrame({"guest_id": [1, 2, 3, 5], "segment": [1, 3, 0, 5]})
    assert calc.migration_matrix(before, after) == {
        "vip": {"major": 1},
        "small": {"small": 1, "vip": 1},
        "inactive": {"none": 1},
        "none": {"prospect": 1},
    }


def test_default_parameters():
    params = load_parameters()
    assert params.window_months == 24
    assert [(c, int(p)) for c, p in params.cumulative_cuts()] == [
        ("vip", 1),
        ("major", 5),
        ("ordinary", 20),
        ("small", 100),
    ]
