"""Segmentation sees the future: a guest holding a stay on the books (reserved or in
house, departing on or after the as-of date) is *booked*, never a Prospect or Inactive;
the pyramid of the active guests does not depend on it."""

import pytest

from analytics import segmentation as calc
from analytics import services
from analytics.models import GuestSegment, ParetoFigure
from guests.models import Stay
from guests.selectors import guest_ids_on_the_books, stays_on_the_books
from tests.analytics.factories import AS_OF, guests, stay
from tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db


def segments_of(run_obj) -> dict[int, str]:
    return dict(GuestSegment.objects.filter(run=run_obj).values_list("guest_id", "segment"))


def ranks_of(run_obj) -> dict[int, int]:
    return dict(GuestSegment.objects.filter(run=run_obj, rank__isnull=False).values_list("guest_id", "rank"))


def test_who_is_on_the_books():
    hotel = PropertyFactory(code="LIS")
    in_house, reserved, leaves_today, cancelled, no_show, checked_out, stale = guests(7)
    stay(in_house, 0, prop=hotel, departed=-2, nights=4, status=Stay.Status.IN_HOUSE)
    stay(reserved, 0, prop=hotel, departed=-30, status=Stay.Status.RESERVED)
    stay(leaves_today, 0, prop=hotel, departed=0, status=Stay.Status.IN_HOUSE)
    stay(cancelled, 0, prop=hotel, departed=-30, status=Stay.Status.CANCELLED)
    stay(no_show, 0, prop=hotel, departed=-1, status=Stay.Status.NO_SHOW)
    stay(checked_out, 100, prop=hotel, departed=-3)  # checked out later than the as-of date: history, not booked
    stay(stale, 0, prop=hotel, departed=1, status=Stay.Status.RESERVED)  # departed before the as-of date
    assert list(guest_ids_on_the_books(AS_OF)) == sorted([in_house.pk, reserved.pk, leaves_today.pk])
    assert stays_on_the_books(AS_OF).count() == 3


def test_booked_guests_are_neither_prospects_nor_inactive():
    hotel = PropertyFactory(code="LIS")
    active, in_house_first, reserved_first, lapsed_rebooked, cancelled_future, prospect, inactive = guests(7)
    active_booked = guests(1, prefix="A")[0]
    stay(active, 300, prop=hotel)
    stay(active_booked, 500, prop=hotel)
    stay(active_booked, 0, prop=hotel, departed=-60, status=Stay.Status.RESERVED)
    stay(in_house_first, 0, prop=hotel, departed=-2, nights=3, status=Stay.Status.IN_HOUSE)
    stay(reserved_first, 0, prop=hotel, departed=-20, status=Stay.Status.RESERVED)
    stay(lapsed_rebooked, 900, prop=hotel, departed=1200)
    stay(lapsed_rebooked, 0, prop=hotel, departed=-40, status=Stay.Status.RESERVED)
    stay(cancelled_future, 0, prop=hotel, departed=-40, status=Stay.Status.CANCELLED)
    stay(inactive, 900, prop=hotel, departed=1200)

    result = services.segmentation_run(as_of=AS_OF)
    got = segments_of(result)
    assert got[active_booked.pk] == "vip"  # active guests stay ranked whatever they booked
    assert got[in_house_first.pk] == got[reserved_first.pk] == got[lapsed_rebooked.pk] == "booked"
    assert got[cancelled_future.pk] == got[prospect.pk] == "prospect"
    assert got[inactive.pk] == "inactive"
    counts = result.segment_counts
    assert (counts["booked"], counts["prospect"], counts["inactive"]) == (3, 2, 1)
    stats = ParetoFigure.objects.get(run=result, property__isnull=True).segment_stats
    assert (stats["booked"]["count"], stats["prospect"]["count"], stats["inactive"]["count"]) == (3, 2, 1)
    row = GuestSegment.objects.get(run=result, guest=lapsed_rebooked)
    assert row.rank is None and row.r_score is None and row.recency_days == 1200


def test_the_pyramid_does_not_depend_on_bookings():
    """The same chain with and without future stays: identical ranks, revenue and figures."""
    hotel = PropertyFactory(code="LIS")
    people = guests(12)
    for i, person in enumerate(people):
        stay(person, 100 * (i % 5) + 10 * i, prop=hotel, departed=5 + i)
    before = services.segmentation_run(as_of=AS_OF)
    ranks_before, figure_before = ranks_of(before), ParetoFigure.objects.get(run=before, property__isnull=True)
    for person in people[::3]:
        stay(person, 0, prop=hotel, departed=-10, status=Stay.Status.RESERVED)
    after = services.segmentation_run(as_of=AS_OF)
    figure_after = ParetoFigure.objects.get(run=after, property__isnull=True)
    assert ranks_of(after) == ranks_before
    assert (figure_after.gini, figure_after.top20_share, figure_after.lorenz) == (
        figure_before.gini,
        figure_before.top20_share,
        figure_before.lorenz,
    )
    assert after.segment_counts["booked"] == 0


def test_compute_without_the_booked_column_is_unchanged():
    """The pure computation still takes the old columns (independent recomputations)."""
    import numpy as np
    import pandas as pd

    from analytics.conf import load_parameters

    rows = pd.DataFrame(
        [(1, 1.0, 500, 1, 2, 5.0, 7.0), (2, 1.0, 0, 0, 0, 900.0, 902.0), (3, np.nan, 0, 0, 0, np.nan, np.nan)],
        columns=calc.ROW_COLUMNS,
    )
    params = load_parameters()
    plain = calc.compute(rows, params)
    booked = calc.compute(rows.assign(booked=[0, 1, 1]), params)
    codes = [calc.SEGMENT_CODES[c] for c in plain.guests["segment"]]
    assert codes == ["vip", "inactive", "prospect"]
    assert [calc.SEGMENT_CODES[c] for c in booked.guests["segment"]] == ["vip", "booked", "booked"]
    assert plain.chain["gini"] == booked.chain["gini"]
    assert booked.counts["booked"] == 2 and plain.counts["booked"] == 0
