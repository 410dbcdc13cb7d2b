"""Guests with a stay on the books: the one definition that segmentation and the churn
scan share.

A guest has a stay **on the books as of D** when one of their stays is *reserved* or *in
house* and departs on or after D.  Cancelled and no-show stays never count, nor do
checked-out ones (those are history, read by the rules themselves).  Statuses are read
as they are now, so a rerun for a past date sees today's statuses.

Such a guest is neither a Prospect (``analytics``: they are *Booked* unless a checked-out
stay in the window makes them active) nor a churn warning (``care``: none is opened, an
open one closes as "rebooked").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from ..models import Stay

ON_THE_BOOKS_STATUSES = (Stay.Status.RESERVED, Stay.Status.IN_HOUSE)


def stays_on_the_books(as_of: dt.date) -> QuerySet:
    """Stays with a guest, reserved or in house, departing on or after ``as_of``
    (served by the (status, departure_date) index)."""
    return Stay.objects.filter(
        guest__isnull=False, status__in=ON_THE_BOOKS_STATUSES, departure_date__gte=as_of
    ).order_by()


def guests_on_the_books_sql(as_of: dt.date) -> tuple[str, tuple]:
    """``SELECT DISTINCT guest_id ...`` of :func:`stays_on_the_books`, with its parameters,
    to embed in a larger set-based query."""
    query = stays_on_the_books(as_of).values("guest_id").distinct().query
    return query.get_compiler(connection=connection).as_sql()


def guest_ids_on_the_books(as_of: dt.date) -> np.ndarray:
    """The ids of the guests with a stay on the books, sorted (one query)."""
    ids = stays_on_the_books(as_of).values_list("guest_id", flat=True).distinct()
    return np.sort(np.fromiter(ids.iterator(chunk_size=50_000), dtype=np.int64))


def next_stays_on_the_books(as_of: dt.date, guest_ids) -> dict[int, Stay]:
    """{guest id: their earliest stay on the books} for a page of guests (one query)."""
    found: dict[int, Stay] = {}
    rows = (
        stays_on_the_books(as_of)
        .filter(guest_id__in=list(guest_ids))
        .select_related("property")
        .order_by("guest_id", "arrival_date", "id")
    )
    for stay in rows:
        found.setdefault(stay.guest_id, stay)
    return found
