"""Rooms to sell: one write path for the page, the admin and the API.

A property's inventory is a history: ``rooms`` from ``valid_from`` until its next entry
(an extension, a wing closed for works — 0 while the hotel is closed).  Occupancy and
RevPAR divide by it; where a property has no entry for a day, reports show room nights
and ADR and say the inventory is unknown (``guests.selectors.inventory``).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import ConflictError, DomainError, ErrorBag, NotFound

from ..models import Property, RoomInventory
from ..models_booking import MAX_ROOMS

INVENTORY_FIELDS = ("property", "valid_from", "rooms", "note")
_DUPLICATE = _("This property already has an inventory from this date; change that entry instead.")


def _property(value, *, field: str) -> Property:
    if isinstance(value, Property):
        return value
    code = parsing.as_text(value, field=field, max_length=12, required=True).upper()
    prop = Property.objects.filter(code=code).first()
    if prop is None:
        raise DomainError(_("Unknown property code."), field=field, code="unknown_property")
    return prop


def _rooms(value, *, field: str) -> int:
    return parsing.as_int(value, field=field, minimum=0, maximum=MAX_ROOMS)


_CHECKS = {
    "property": _property,
    "valid_from": lambda value, field: parsing.as_date(value, field=field),
    "rooms": _rooms,
    "note": lambda value, field: parsing.as_text(value, field=field, max_length=200),
}


def room_inventory_clean(data, *, fields=INVENTORY_FIELDS) -> dict:
    """Every invalid field of an inventory entry at once (``DomainError.many``)."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the inventory entry as an object."), field="detail", code="invalid")
    bag, cleaned = ErrorBag(), {}
    for name in fields:
        value = data.get(name)
        if isinstance(value, dict | list):
            bag.add(DomainError(_("Send a single value (text, number or null)."), field=name, code="invalid"))
            continue
        result = bag.check(_CHECKS[name], value, field=name)
        if name not in bag.fields:
            cleaned[name] = result
    bag.raise_if_any()
    return cleaned


def room_inventory_add(*, data, by=None) -> RoomInventory:
    """Rooms a property sells from a date; one entry per property per day."""
    cleaned = room_inventory_clean(data)
    if RoomInventory.objects.filter(property=cleaned["property"], valid_from=cleaned["valid_from"]).exists():
        raise DomainError(_DUPLICATE, field="valid_from", code="duplicate")
    entry = RoomInventory(**cleaned, created_by=by if getattr(by, "pk", None) else None)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ConflictError(_DUPLICATE, field="valid_from") from None
    return entry


def room_inventory_update(*, entry_id: int, data, by=None) -> RoomInventory:
    """Correct an entry's rooms or note; its property and date do not change."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the inventory entry as an object."), field="detail", code="invalid")
    entry = RoomInventory.objects.select_related("property").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("Inventory entry not found."))
    given = {"property": entry.property.code, "valid_from": entry.valid_from.isoformat()}
    for name, current in given.items():
        if name in data and str(getattr(data[name], "code", data[name]) or "").strip().upper() != current.upper():
            raise DomainError(_("This cannot change; add a new entry instead."), field=name, code="immutable")
    cleaned = room_inventory_clean({**{"rooms": entry.rooms, "note": entry.note}, **data}, fields=("rooms", "note"))
    for name, value in cleaned.items():
        setattr(entry, name, value)
    entry.save(update_fields=["rooms", "note", "updated_at"])
    return entry
