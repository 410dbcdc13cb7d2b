"""Buckets the booking facts and reports share."""

from __future__ import annotations

import datetime as dt

# Lower bounds (days) of the lead-time buckets: 0, 1-7, 8-14, 15-30, 31-60, 61-90,
# 91-180, 181-365, 366+.
LEAD_BOUNDS = (0, 1, 8, 15, 31, 61, 91, 181, 366)
MAX_LOS = 15  # 15 means 15 nights or more


def lead_bucket(days: int | None) -> int | None:
    if days is None:
        return None
    bucket = 0
    for bound in LEAD_BOUNDS:
        if days >= bound:
            bucket = bound
    return bucket


def lead_label(bound: int | None) -> str:
    if bound is None:
        return "?"
    i = LEAD_BOUNDS.index(bound)
    if i == len(LEAD_BOUNDS) - 1:
        return f"{bound}+"
    upper = LEAD_BOUNDS[i + 1] - 1
    return str(bound) if upper == bound else f"{bound}-{upper}"


def los_label(nights: int) -> str:
    return f"{MAX_LOS}+" if nights >= MAX_LOS else str(nights)


def earliest_arrival(first):
    """The earliest arrival of a stay that can still count on ``first``: no stay is
    longer than ``guests.services.stay_rows.MAX_NIGHTS`` (the one stay write path
    refuses longer ones), so a refresh reads the stays of its dates and the year before,
    not a hotel's whole history."""
    from guests.services.stay_rows import MAX_NIGHTS

    return first - dt.timedelta(days=MAX_NIGHTS)
