"""Demo: rooms to sell sized to the demo's stays, and the facts built.

The demo chain's stays are a sample of a hotel's (a few thousand guests), so the room
counts a real hotel has would show an occupancy of a few per cent.  Each demo hotel's
inventory history is scaled so that last year's occupancy is about 72 %, keeping its
shape (renovations, extensions); a rerun finds it already in 60-85 % and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from guests.models import RoomInventory

from .models import NightFact
from .selectors.common import STAYED
from .selectors.production import rooms_available
from .services import facts_rebuild

TARGET = 0.72
PLAUSIBLE = (0.60, 0.85)


def _occupancy(property_id: int, start: dt.date, end: dt.date) -> tuple[int, int | None]:
    nights = (
        NightFact.objects.filter(
            property_id=property_id, stay_date__range=(start, end), status_class__in=STAYED
        ).aggregate(n=Sum("room_nights"))["n"]
        or 0
    )
    days = rooms_available([property_id], start, end)
    available = None if any(v is None for v in days.values()) else sum(days.values())
    return nights, available


def seed(ctx) -> None:
    facts_rebuild()
    end = ctx.today - dt.timedelta(days=1)
    start = end - dt.timedelta(days=364)
    resized = []
    for code, prop in sorted(ctx.properties.items()):
        nights, available = _occupancy(prop.pk, start, end)
        if not nights or not available or PLAUSIBLE[0] <= nights / available <= PLAUSIBLE[1]:
            continue
        factor = (nights / TARGET) / available
        for entry in RoomInventory.objects.filter(property=prop):
            entry.rooms = max(1, round(entry.rooms * factor))
            entry.save(update_fields=["rooms", "updated_at"])
        resized.append(code)
    ctx.log.append(
        f"performance: facts built; room inventory sized to the demo's stays at {', '.join(resized) or 'none'}"
    )
