"""The churn scan sees the future: a guest in house or holding a reservation gets no
warning, and an open warning closes as "rebooked" at the next scan."""

import datetime as dt

import pytest

from care import services
from care.models import ChurnScan, ChurnWarning
from guests.models import Stay

from .factories import stays_on
from .test_scan import AS_OF, lapsed_guest, open_warning

pytestmark = pytest.mark.django_db


def book(guest, hotel, *, arrival, nights=3, status=Stay.Status.RESERVED):
    return stays_on(guest, hotel, [arrival], nights=nights, status=status, prefix=f"B{guest.pk}-{status}-")[0]


def warned(guest) -> bool:
    return ChurnWarning.objects.filter(guest=guest, status=ChurnWarning.Status.OPEN).exists()


def test_guests_on_the_books_get_no_warning(hotel):
    plain = lapsed_guest(hotel)
    reserved = lapsed_guest(hotel)
    book(reserved, hotel, arrival=AS_OF + dt.timedelta(days=20))
    in_house = lapsed_guest(hotel)
    book(in_house, hotel, arrival=AS_OF - dt.timedelta(days=1), status=Stay.Status.IN_HOUSE)
    leaves_today = lapsed_guest(hotel)
    book(leaves_today, hotel, arrival=AS_OF - dt.timedelta(days=3), status=Stay.Status.IN_HOUSE)
    cancelled = lapsed_guest(hotel)
    book(cancelled, hotel, arrival=AS_OF + dt.timedelta(days=20), status=Stay.Status.CANCELLED)
    stale = lapsed_guest(hotel)  # a reservation that departed before the scan date is not on the books
    book(stale, hotel, arrival=AS_OF - dt.timedelta(days=10))

    counts = services.churn_scan(as_of=AS_OF)
    assert {g.pk for g in (plain, cancelled, stale) if warned(g)} == {plain.pk, cancelled.pk, stale.pk}
    assert not any(warned(g) for g in (reserved, in_house, leaves_today))
    assert counts["opened"] == 3 and counts["guests_on_the_books"] == 3
    assert ChurnScan.objects.get(as_of=AS_OF).counts["guests_on_the_books"] == 3


def test_an_open_warning_closes_as_rebooked_and_stays_closed(hotel):
    guest = lapsed_guest(hotel)
    services.churn_scan(as_of=AS_OF)
    warning = open_warning(guest)
    reservation = book(guest, hotel, arrival=AS_OF + dt.timedelta(days=40))

    counts = services.churn_scan(as_of=AS_OF)
    warning.refresh_from_db()
    assert (warning.status, warning.outcome, counts["closed_rebooked"]) == ("closed", "rebooked", 1)
    assert counts["closed_cleared"] == 0 and counts["opened"] == 0
    again = services.churn_scan(as_of=AS_OF)  # idempotent: nothing more to do
    assert (again["opened"], again["closed_rebooked"], again["closed_cleared"], again["open_total"]) == (0, 0, 0, 0)

    # The reservation is cancelled: the guest is warned about again.
    Stay.objects.filter(pk=reservation.pk).update(status=Stay.Status.CANCELLED)
    counts = services.churn_scan(as_of=AS_OF)
    assert counts["opened"] == 1 and open_warning(guest).pk != warning.pk


def test_returned_wins_over_rebooked(hotel):
    guest = lapsed_guest(hotel)
    services.churn_scan(as_of=AS_OF)
    warning = open_warning(guest)
    book(guest, hotel, arrival=AS_OF - dt.timedelta(days=1), status=Stay.Status.IN_HOUSE)
    counts = services.churn_scan(as_of=AS_OF)
    warning.refresh_from_db()
    assert (warning.outcome, counts["closed_returned"], counts["closed_rebooked"]) == ("returned", 1, 0)
