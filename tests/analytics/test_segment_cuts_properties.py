"""Property-based tests of the pyramid cuts (``analytics.segmentation.compute``): for any
revenue distribution and any valid cuts, every guest lands in exactly one segment, the
segment sizes follow the cuts, ranks follow revenue then guest id, and a rerun on the
same data — in any row order — gives the same result."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import segmentation as calc
from analytics.conf import load_parameters

RANKED = ["vip", "major", "ordinary", "small"]
ORDER = {code: i for i, code in enumerate(calc.SEGMENT_CODES)}

# Revenue in cents: refunds (negative), zero, and clusters of equal values (ties).
revenues = st.one_of(
    st.integers(min_value=-50_000, max_value=10**9),
    st.sampled_from([0, 100, 100, 5_000, 5_000, 5_000]),
)


@st.composite
def cut_settings(draw) -> dict[str, Fraction]:
    """Four non-negative shares (halves of a percent allowed) adding up to exactly 100."""
    points = sorted(draw(st.lists(st.integers(min_value=0, max_value=200), min_size=3, max_size=3)))
    bounds = [0, *points, 200]
    return {code: Fraction(bounds[i + 1] - bounds[i], 2) for i, code in enumerate(RANKED)}


@st.composite
def populations(draw):
    """Active guests (some spread over two hotels), inactive guests and prospects."""
    active = draw(st.integers(min_value=1, max_value=250))
    inactive = draw(st.integers(min_value=0, max_value=20))
    prospects = draw(st.integers(min_value=0, max_value=20))
    ids = draw(
        st.lists(
            st.integers(min_value=1, max_value=10**9),
            min_size=active + inactive + prospects,
            max_size=active + inactive + prospects,
            unique=True,
        )
    )
    money = draw(st.lists(revenues, min_size=active, max_size=active))
    split = draw(st.lists(st.booleans(), min_size=active, max_size=active))
    rows = []
    for guest_id, cents, two_hotels in zip(ids[:active], money, split, strict=True):
        if two_hotels:
            rows.append((guest_id, 1.0, cents // 2, 1, 2, 10.0, 400.0))
            rows.append((guest_id, 2.0, cents - cents // 2, 1, 3, 30.0, 300.0))
        else:
            rows.append((guest_id, 1.0, cents, 1, 2, 20.0, 200.0))
    for guest_id in ids[active : active + inactive]:
        rows.append((guest_id, 2.0, 0, 0, 0, 900.0, 950.0))
    for guest_id in ids[active + inactive :]:
        rows.append((guest_id, np.nan, 0, 0, 0, np.nan, np.nan))
    frame = pd.DataFrame(rows, columns=calc.ROW_COLUMNS)
    revenue_by_guest = dict(zip(ids[:active], money, strict=True))
    return frame, revenue_by_guest, set(ids[active : active + inactive]), set(ids[active + inactive :])


def _segments(outcome) -> dict[int, str]:
    codes = outcome.guests["segment"].to_numpy()
    return {int(g): calc.SEGMENT_CODES[c] for g, c in zip(outcome.guests["guest_id"], codes, strict=True)}


@settings(max_examples=80, deadline=None)
@given(data=populations(), cuts=cut_settings(), shuffle_seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_cuts_follow_the_settings_for_any_revenue_distribution(data, cuts, shuffle_seed):
    rows, revenue, inactive, prospects = data
    params = load_parameters({"cuts": cuts})
    outcome = calc.compute(rows, params)
    segment = _segments(outcome)

    # Every guest is in exactly one segment; the active ones in a ranked one.
    assert len(outcome.guests) == len(segment) == len(revenue) + len(inactive) + len(prospects)
    assert {g for g, s in segment.items() if s == "inactive"} == inactive
    assert {g for g, s in segment.items() if s == "prospect"} == prospects
    assert all(segment[g] in RANKED for g in revenue)

    # Sizes: the first k segments hold ceil(n × cumulative cut / 100) guests, exactly.
    n = len(revenue)
    cumulative = Fraction(0)
    inside = 0
    for code in RANKED:
        cumulative += cuts[code]
        inside += sum(1 for g in revenue if segment[g] == code)
        assert inside == min(n, math.ceil(n * cumulative / 100))
        assert outcome.counts[code] == sum(1 for g in revenue if segment[g] == code)
    assert sum(outcome.counts.values()) == len(segment)

    # Order: better segment ⇒ more revenue, or the same revenue and a lower guest id;
    # ranks 1..n follow the same order.
    ranked = sorted(revenue, key=lambda g: (-revenue[g], g))
    positions = [ORDER[segment[g]] for g in ranked]
    assert positions == sorted(positions)
    rank = dict(zip(outcome.guests["guest_id"].astype(int), outcome.guests["rank"].astype(int), strict=True))
    assert [rank[g] for g in ranked] == list(range(1, n + 1))

    # Deterministic: the same data in another row order gives the same result.
    shuffled = rows.sample(frac=1, random_state=shuffle_seed % 2**32).reset_index(drop=True)
    again = calc.compute(shuffled, params)
    pd.testing.assert_frame_equal(outcome.guests, again.guests)
    assert again.counts == outcome.counts


@settings(max_examples=40, deadline=None)
@given(data=populations())
def test_default_cuts_give_one_percent_vips_rounded_up(data):
    rows, revenue, _inactive, _prospects = data
    outcome = calc.compute(rows, load_parameters())
    n = len(revenue)
    assert outcome.counts["vip"] == math.ceil(n / 100)
    assert outcome.counts["vip"] + outcome.counts["major"] == math.ceil(5 * n / 100)
    assert outcome.counts["vip"] + outcome.counts["major"] + outcome.counts["ordinary"] == math.ceil(20 * n / 100)
    top = max(revenue.values())
    best = min(g for g, cents in revenue.items() if cents == top)
    assert _segments(outcome)[best] == "vip"  # the top earner (lowest id among equals) is always a VIP
