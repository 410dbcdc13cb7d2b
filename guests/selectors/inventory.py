"""Rooms to sell: each property's inventory history, and the room nights it had to sell
over a period (what occupancy and RevPAR divide by)."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

from django.db.models import QuerySet

from ..models import Property, RoomInventory
from .access import visible_properties


def room_inventory_for(viewer) -> QuerySet[RoomInventory]:
    """The inventory entries a viewer works with (the properties they see)."""
    return RoomInventory.objects.filter(property__in=visible_properties(viewer)).select_related("property")


@dataclass(frozen=True)
class RoomSupply:
    """Room nights a property had to sell over a period; ``room_nights`` is None when the
    inventory is unknown for ``unknown_days`` of its days (occupancy cannot be computed)."""

    room_nights: int | None
    days: int
    unknown_days: int


def room_supply(*, property_ids: list[int], start: dt.date, end: dt.date) -> dict[int, RoomSupply]:
    """Per property, the rooms to sell summed over the nights ``start`` .. ``end``
    (inclusive); one query."""
    histories: dict[int, list[tuple[dt.date, int]]] = {pid: [] for pid in property_ids}
    for pid, valid_from, rooms in (
        RoomInventory.objects.filter(property_id__in=property_ids, valid_from__lte=end)
        .order_by("property_id", "valid_from")
        .values_list("property_id", "valid_from", "rooms")
    ):
        histories[pid].append((valid_from, rooms))
    return {pid: _supply(history, start, end) for pid, history in histories.items()}


def _supply(history: list[tuple[dt.date, int]], start: dt.date, end: dt.date) -> RoomSupply:
    days = (end - start).days + 1
    dates = [d for d, _r in history]
    total, unknown = 0, 0
    for offset in range(days):
        index = bisect_right(dates, start + dt.timedelta(days=offset))
        if index == 0:
            unknown += 1
        else:
            total += history[index - 1][1]
    return RoomSupply(room_nights=None if unknown else total, days=days, unknown_days=unknown)


def inventory_overview(*, viewer) -> list[dict]:
    """Each property the viewer sees with its rooms today (its own business date) and its
    history, newest first (two queries)."""
    properties = list(visible_properties(viewer).order_by("code"))
    by_property: dict[int, list[RoomInventory]] = {p.pk: [] for p in properties}
    for entry in RoomInventory.objects.filter(property__in=properties).order_by("property_id", "-valid_from"):
        by_property[entry.property_id].append(entry)
    rows = []
    for prop in properties:
        history = by_property[prop.pk]
        today = prop.business_date()
        current = next((e for e in history if e.valid_from <= today), None)
        rows.append({"property": prop, "current": current, "history": history})
    return rows


def rooms_on(*, property: Property, day: dt.date) -> int | None:
    """Rooms the property had to sell on ``day``; None when unknown."""
    entry = RoomInventory.objects.filter(property=property, valid_from__lte=day).order_by("-valid_from").first()
    return None if entry is None else entry.rooms
