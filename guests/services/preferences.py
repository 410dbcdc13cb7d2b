"""Preferences and notes of a guest: recorded at one property, shown at every one.

Every change is audited with the old and new values.  A sensitive preference (health,
religion, disability: ``PreferenceType.is_sensitive``) is stored only when the guest
consents to sensitive preferences or staff state the operational need for it.  An
erased profile takes no preference and no note.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, NotFound

from .. import audit
from ..models import AuditEvent, Guest, GuestNote, GuestPreference, PreferenceType, Property
from ..models_consent import ConsentPurpose
from ..selectors.consent import guest_has_consent
from .erasure import guest_check_writable

PREFERENCE_NOTE_MAX = 200
OPERATIONAL_NEED_MAX = 200
_AUDITED = ("preference_type", "note", "source", "source_property", "last_confirmed", "operational_need")


def _preference_values(preference: GuestPreference | None) -> dict:
    if preference is None:
        return {}
    values = {f: getattr(preference, f) for f in _AUDITED}
    values["preference_type"] = preference.preference_type.code
    values["source_property"] = preference.source_property.code if preference.source_property_id else None
    return values


def _check_sensitive(bag: ErrorBag, guest: Guest, preference_type: PreferenceType, need: str) -> None:
    if not preference_type.is_sensitive or need:
        return
    if not guest_has_consent(guest_id=guest.pk, purpose=ConsentPurpose.SENSITIVE):
        bag.add(
            DomainError(
                _(
                    "%(label)s is a sensitive preference: record it only with the guest's consent to sensitive "
                    "preferences, or state the operational need."
                )
                % {"label": preference_type.display_label},
                field="operational_need",
                code="consent_required",
            )
        )


def preference_set(
    *,
    guest: Guest,
    preference_type: PreferenceType,
    note: str = "",
    source: str = GuestPreference.Source.STAFF,
    source_property: Property | None = None,
    confirmed_on: dt.date | str | None = None,
    operational_need: str = "",
    by=None,
    channel: str = "web",
) -> GuestPreference:
    """Record (or re-confirm) a preference; it is shown at every property."""
    guest_check_writable(guest)
    bag = ErrorBag()
    if not preference_type.is_active:
        bag.add(DomainError(_("This preference is no longer offered."), field="preference_type", code="inactive"))
    note = bag.check(parsing.as_text, note, field="note", max_length=PREFERENCE_NOTE_MAX)
    need = bag.check(parsing.as_text, operational_need, field="operational_need", max_length=OPERATIONAL_NEED_MAX)
    bag.check(parsing.as_choice, source, field="source", choices=GuestPreference.Source, message=_("Unknown source."))
    confirmed = bag.check(parsing.as_date, confirmed_on, field="last_confirmed", required=False)
    if confirmed is not None and confirmed > timezone.localdate():
        bag.add(DomainError(_("Confirmation date cannot be in the future."), field="last_confirmed"))
    _check_sensitive(bag, guest, preference_type, need or "")
    bag.raise_if_any()
    with transaction.atomic():
        existing = (
            GuestPreference.objects.select_for_update(of=("self",))
            .select_related("preference_type", "source_property")
            .filter(guest=guest, preference_type=preference_type)
            .first()
        )
        before = _preference_values(existing)
        preference, created = GuestPreference.objects.update_or_create(
            guest=guest,
            preference_type=preference_type,
            defaults={
                "note": note,
                "source": source,
                "source_property": source_property,
                "last_confirmed": confirmed or timezone.localdate(),
                "operational_need": need or "",
            },
        )
        audit.record(
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
            guest=guest,
            by=by,
            channel=channel,
            target="preference",
            object_ref=preference.pk,
            changes=audit.changes(before, _preference_values(preference)),
        )
    return preference


def preference_remove(*, guest: Guest, preference_id: int, by=None, channel: str = "web") -> None:
    guest_check_writable(guest)
    with transaction.atomic():
        preference = (
            GuestPreference.objects.select_related("preference_type", "source_property")
            .filter(guest=guest, pk=preference_id)
            .first()
        )
        if preference is None:
            raise NotFound(_("Preference not found."), field="preference")
        audit.record(
            action=AuditEvent.Action.DELETE,
            guest=guest,
            by=by,
            channel=channel,
            target="preference",
            object_ref=preference.pk,
            changes=audit.changes(_preference_values(preference), {}),
        )
        preference.delete()


def guest_note_add(
    *, guest: Guest, text: str, kind: str = GuestNote.Kind.NOTE, property=None, by=None, channel: str = "web"
) -> GuestNote:
    """A note, or an alert shown in red at every property."""
    guest_check_writable(guest)
    bag = ErrorBag()
    text = bag.check(parsing.as_text, text, field="text", required=True, message=_("A note needs text."))
    bag.check(parsing.as_choice, kind, field="kind", choices=GuestNote.Kind, message=_("Unknown note kind."))
    bag.raise_if_any()
    with transaction.atomic():
        note = GuestNote.objects.create(guest=guest, kind=kind, text=text, property=property, created_by=by)
        audit.record(
            action=AuditEvent.Action.CREATE,
            guest=guest,
            by=by,
            channel=channel,
            target="note",
            object_ref=note.pk,
            changes=audit.changes({}, {"kind": kind, "text": text}),
        )
    return note


def guest_note_deactivate(*, guest: Guest, note_id: int, by=None, channel: str = "web") -> None:
    guest_check_writable(guest)
    with transaction.atomic():
        updated = GuestNote.objects.filter(guest=guest, pk=note_id, is_active=True).update(is_active=False)
        if not updated:
            if not GuestNote.objects.filter(guest=guest, pk=note_id).exists():
                raise NotFound(_("Note not found."), field="note")
            return
        audit.record(
            action=AuditEvent.Action.CHANGE,
            guest=guest,
            by=by,
            channel=channel,
            target="note",
            object_ref=note_id,
            changes={"is_active": [True, False]},
        )
