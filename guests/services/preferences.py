"""Preferences and notes of a guest: recorded at one property, shown at every one."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, NotFound

from ..models import Guest, GuestNote, GuestPreference, PreferenceType, Property

PREFERENCE_NOTE_MAX = 200


def preference_set(
    *,
    guest: Guest,
    preference_type: PreferenceType,
    note: str = "",
    source: str = GuestPreference.Source.STAFF,
    source_property: Property | None = None,
    confirmed_on: dt.date | str | None = None,
    by=None,
) -> GuestPreference:
    """Record (or re-confirm) a preference; it is shown at every property."""
    bag = ErrorBag()
    if not preference_type.is_active:
        bag.add(DomainError(_("This preference is no longer offered."), field="preference_type", code="inactive"))
    note = bag.check(parsing.as_text, note, field="note", max_length=PREFERENCE_NOTE_MAX)
    bag.check(parsing.as_choice, source, field="source", choices=GuestPreference.Source, message=_("Unknown source."))
    confirmed = bag.check(parsing.as_date, confirmed_on, field="last_confirmed", required=False)
    if confirmed is not None and confirmed > timezone.localdate():
        bag.add(DomainError(_("Confirmation date cannot be in the future."), field="last_confirmed"))
    bag.raise_if_any()
    preference, _created = GuestPreference.objects.update_or_create(
        guest=guest,
        preference_type=preference_type,
        defaults={
            "note": note,
            "source": source,
            "source_property": source_property,
            "last_confirmed": confirmed or timezone.localdate(),
        },
    )
    return preference


def preference_remove(*, guest: Guest, preference_id: int, by=None) -> None:
    deleted, _rows = GuestPreference.objects.filter(guest=guest, pk=preference_id).delete()
    if not deleted:
        raise NotFound(_("Preference not found."), field="preference")


def guest_note_add(*, guest: Guest, text: str, kind: str = GuestNote.Kind.NOTE, property=None, by=None) -> GuestNote:
    """A note, or an alert shown in red at every property."""
    bag = ErrorBag()
    text = bag.check(parsing.as_text, text, field="text", required=True, message=_("A note needs text."))
    bag.check(parsing.as_choice, kind, field="kind", choices=GuestNote.Kind, message=_("Unknown note kind."))
    bag.raise_if_any()
    return GuestNote.objects.create(guest=guest, kind=kind, text=text, property=property, created_by=by)


def guest_note_deactivate(*, guest: Guest, note_id: int, by=None) -> None:
    updated = GuestNote.objects.filter(guest=guest, pk=note_id).update(is_active=False)
    if not updated:
        raise NotFound(_("Note not found."), field="note")
