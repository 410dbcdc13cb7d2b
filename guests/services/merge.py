"""Duplicate profiles: merge one into a survivor, explain it, undo it exactly."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import ConflictError, DomainError, NotFound
from crm_site.extensions import merge_handlers

from .. import audit, search_keys
from ..models import AuditEvent, Guest, GuestMerge, GuestNote, GuestPreference, Stay
from ..selectors.duplicates import duplicate_reasons
from ..signals import guests_merged, stays_moved
from .erasure import guest_check_writable

MERGE_FILL_FIELDS = ("email", "phone", "birth_date", "nationality", "language", "document_hash", "gender")


def _move_core_rows(merged_id: int, survivor_id: int) -> dict:
    """Stays, notes and the preferences the survivor does not already have."""
    stay_ids = list(Stay.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    Stay.objects.filter(pk__in=stay_ids).update(guest_id=survivor_id)
    note_ids = list(GuestNote.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    GuestNote.objects.filter(pk__in=note_ids).update(guest_id=survivor_id)
    survivor_types = GuestPreference.objects.filter(guest_id=survivor_id).values("preference_type_id")
    pref_ids = list(
        GuestPreference.objects.filter(guest_id=merged_id)
        .exclude(preference_type_id__in=survivor_types)
        .values_list("pk", flat=True)
    )
    GuestPreference.objects.filter(pk__in=pref_ids).update(guest_id=survivor_id)
    return {"stays": stay_ids, "notes": note_ids, "preferences": pref_ids}


def _restore_core_rows(moved: dict, merged_id: int, survivor_id: int) -> None:
    Stay.objects.filter(pk__in=moved.get("stays", []), guest_id=survivor_id).update(guest_id=merged_id)
    GuestNote.objects.filter(pk__in=moved.get("notes", []), guest_id=survivor_id).update(guest_id=merged_id)
    GuestPreference.objects.filter(pk__in=moved.get("preferences", []), guest_id=survivor_id).update(guest_id=merged_id)


def _lock_pair(first_id: int, second_id: int) -> dict[int, Guest]:
    """Both profiles, locked in id order so two simultaneous merges cannot deadlock."""
    return {g.pk: g for g in Guest.objects.select_for_update().filter(pk__in=[first_id, second_id]).order_by("pk")}


def _check_mergeable(survivor: Guest | None, merged: Guest | None) -> None:
    if survivor is None:
        raise NotFound(_("Guest not found."), field="survivor")
    if merged is None:
        raise NotFound(_("Guest not found."), field="merged")
    if survivor.merged_into_id:
        raise DomainError(_("This guest was itself merged into another profile."), field="survivor")
    if merged.merged_into_id:
        raise DomainError(_("This guest has already been merged."), field="merged")
    guest_check_writable(survivor, field="survivor")
    guest_check_writable(merged, field="merged")


def _fill_blanks(survivor: Guest, merged: Guest) -> dict[str, str]:
    """Blank survivor fields take the duplicate's value; returns what was filled."""
    filled = {}
    for field in MERGE_FILL_FIELDS:
        if not getattr(survivor, field) and getattr(merged, field):
            filled[field] = getattr(merged, field)
            setattr(survivor, field, getattr(merged, field))
    if "phone" in filled:
        survivor.phone_reversed = search_keys.phone_reversed(survivor.phone)
    return {k: str(v) for k, v in filled.items()}


def _bump(guest: Guest, *, only_merge_link: bool = False) -> None:
    guest.version = F("version") + 1
    if only_merge_link:
        guest.save(update_fields=["merged_into", "version", "updated_at"])
    else:
        guest.save()


def guest_merge(*, survivor_id, merged_id, by=None, note: str = "") -> GuestMerge:
    """Merge a duplicate profile into the survivor.

    Stays, notes, preferences (where the survivor has none of that kind) and every other
    app's rows (points, complaints, warnings... through their merge handlers) move to the
    survivor; blank survivor fields are filled from the duplicate.  The duplicate stays
    as a hidden record pointing at the survivor.  Everything that moved is recorded so
    the merge can be explained and undone exactly.
    """
    survivor_id = parsing.as_id(survivor_id, field="survivor")
    merged_id = parsing.as_id(merged_id, field="merged")
    note = parsing.as_text(note, field="note", max_length=300)
    if survivor_id == merged_id:
        raise DomainError(_("Choose two different guests."), field="merged")
    with transaction.atomic():
        locked = _lock_pair(survivor_id, merged_id)
        survivor, merged = locked.get(survivor_id), locked.get(merged_id)
        _check_mergeable(survivor, merged)
        moved = {"guests": _move_core_rows(merged.pk, survivor.pk)}
        for handler in merge_handlers():
            moved[handler.key] = handler.move(merged.pk, survivor.pk)
        moved["filled_fields"] = _fill_blanks(survivor, merged)
        _bump(survivor)
        merged.merged_into = survivor
        _bump(merged, only_merge_link=True)
        record = GuestMerge.objects.create(
            survivor=survivor,
            merged=merged,
            reasons=duplicate_reasons(survivor, merged),
            reason_note=note,
            moved=moved,
            merged_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(guest=survivor, action=AuditEvent.Action.MERGE, by=by, merged=merged.pk, merge=record.pk)
        audit.record(guest=merged, action=AuditEvent.Action.MERGE, by=by, survivor=survivor.pk, merge=record.pk)
        transaction.on_commit(lambda: guests_merged.send(sender=Guest, survivor_id=survivor.pk, merged_id=merged.pk))
        _announce_moved_stays(survivor.pk, merged.pk)
    return record


def _announce_moved_stays(*guest_ids: int) -> None:
    """After commit, ``stays_moved`` with every stay of the guests (what depends on a
    guest's history — the hotel reports' repeat guests and journeys — is refreshed)."""
    stay_ids = list(Stay.objects.filter(guest_id__in=guest_ids).order_by("pk").values_list("pk", flat=True))
    if stay_ids:
        transaction.on_commit(lambda: stays_moved.send(sender=Stay, stay_ids=stay_ids))


def guest_merge_undo(*, merge_id, by=None) -> GuestMerge:
    """Undo a merge: exactly the rows that moved go back and the duplicate reappears.
    Refused (409) once either profile was erased: erasure is final."""
    merge_id = parsing.as_id(merge_id, field="merge")
    with transaction.atomic():
        try:
            record = GuestMerge.objects.select_for_update().get(pk=merge_id)
        except GuestMerge.DoesNotExist:
            raise NotFound(_("Merge not found.")) from None
        if record.undone_at:
            raise DomainError(_("This merge was already undone."), field="merge")
        locked = _lock_pair(record.survivor_id, record.merged_id)
        survivor, merged = locked[record.survivor_id], locked[record.merged_id]
        if survivor.merged_into_id:
            raise DomainError(_("The surviving profile was merged again since; undo that merge first."), field="merge")
        if survivor.is_anonymised or merged.is_anonymised:
            # Erasure is final: undoing would bring a profile of the erased person back.
            raise ConflictError(
                _("This merge cannot be undone: the guest's personal data was erased since."),
                field="merge",
                code="guest_erased",
            )
        for handler in reversed(merge_handlers()):
            if handler.key in record.moved:
                handler.restore(record.moved[handler.key], merged.pk, survivor.pk)
        _restore_core_rows(record.moved.get("guests", {}), merged.pk, survivor.pk)
        for field, value in record.moved.get("filled_fields", {}).items():
            if str(getattr(survivor, field)) == value:
                setattr(survivor, field, "" if field != "birth_date" else None)
        survivor.phone_reversed = search_keys.phone_reversed(survivor.phone)
        _bump(survivor)
        merged.merged_into = None
        _bump(merged, only_merge_link=True)
        record.undone_at = timezone.now()
        record.undone_by = by if getattr(by, "is_authenticated", False) else None
        record.save(update_fields=["undone_at", "undone_by"])
        audit.record(guest=survivor, action=AuditEvent.Action.UNMERGE, by=by, merge=record.pk)
        audit.record(guest=merged, action=AuditEvent.Action.UNMERGE, by=by, merge=record.pk)
        _announce_moved_stays(survivor.pk, merged.pk)
    return record
