"""Consent as a ledger: every statement of a guest about a purpose is a new entry.

The current state of a purpose is its latest entry.  The guest's
``marketing_email_consent``, ``marketing_sms_consent`` (with when and where) and
``profiling_opt_out`` columns cache it for fast filtering (segmentation, care, exports)
and are written only here.  Withdrawing consent to sensitive preferences removes the
sensitive preferences kept on that basis (those marked as an operational need stay).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.checks import WORDING_VERSION
from crm_site.errors import DomainError, ErrorBag, NotFound

from .. import audit
from ..models import AuditEvent, ConsentEntry, Guest, GuestPreference
from ..models_consent import DEFAULT_GRANTED, ConsentPurpose
from ..selectors.consent import consent_state
from .erasure import guest_check_writable

Purpose = ConsentPurpose
# Purposes cached on the guest row: column → value meaning "granted".
CACHED = {
    Purpose.MARKETING_EMAIL: "marketing_email_consent",
    Purpose.MARKETING_SMS: "marketing_sms_consent",
    Purpose.PROFILING: "profiling_opt_out",
}
# Profile fields that are really consent statements (kept for the profile form and API).
PROFILE_CONSENT_FIELDS = {
    "marketing_email_consent": (Purpose.MARKETING_EMAIL, True),
    "marketing_sms_consent": (Purpose.MARKETING_SMS, True),
    "profiling_opt_out": (Purpose.PROFILING, False),  # opted out = not granted
}
SOURCE_MAX = 50
NOTE_MAX = 300


def wording_version_current() -> str:
    return getattr(settings, "CONSENT_WORDING_VERSION", "") or "current"


def _wording(value, *, field: str = "wording_version") -> str:
    text = parsing.as_text(value, field=field, max_length=20) or wording_version_current()
    if not WORDING_VERSION.fullmatch(text):
        raise DomainError(_("Use letters, digits, dots or hyphens."), field=field, code="invalid")
    return text


def consent_input_clean(data: Mapping) -> dict:
    """Purpose, granted, source, wording version and note of one statement; every
    invalid field at once."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the consent as an object."), field="detail", code="invalid")
    bag = ErrorBag()
    purpose = bag.check(
        parsing.as_choice, data.get("purpose"), field="purpose", choices=Purpose, message=_("Unknown purpose.")
    )
    if data.get("granted") in (None, ""):
        bag.add(DomainError(_("Say whether consent is given (true) or withdrawn (false)."), field="granted"))
        granted = None
    else:
        granted = bag.check(parsing.as_bool, data.get("granted"), field="granted")
    source = bag.check(
        parsing.as_text,
        data.get("source"),
        field="source",
        max_length=SOURCE_MAX,
        required=True,
        message=_("Say where the guest gave or withdrew consent (desk, website, e-mail …)."),
    )
    wording = bag.check(_wording, data.get("wording_version"))
    note = bag.check(parsing.as_text, data.get("note"), field="note", max_length=NOTE_MAX) or ""
    unknown = sorted(set(data) - {"purpose", "granted", "source", "wording_version", "note"})
    for field in unknown:
        bag.add(DomainError(_("Unknown field."), field=str(field), code="unknown_field"))
    bag.raise_if_any()
    return {"purpose": purpose, "granted": granted, "source": source, "wording_version": wording, "note": note}


def _cache_state(guest: Guest, entry: ConsentEntry) -> dict:
    """The guest-row cache of the purpose after ``entry`` (columns → values)."""
    column = CACHED.get(entry.purpose)
    if column is None:
        return {}
    if entry.purpose == Purpose.PROFILING:
        return {column: not entry.granted}
    return {column: entry.granted, f"{column}_at": entry.at, f"{column}_source": entry.source}


def _drop_sensitive_preferences(guest: Guest, *, by, channel: str) -> int:
    """Consent to sensitive preferences withdrawn: those kept on that basis go."""
    dropped = list(
        GuestPreference.objects.filter(guest=guest, preference_type__is_sensitive=True, operational_need="")
        .select_related("preference_type")
        .order_by("pk")
    )
    for preference in dropped:
        audit.record(
            action=AuditEvent.Action.DELETE,
            guest=guest,
            by=by,
            channel=channel,
            target="preference",
            object_ref=preference.pk,
            reason="sensitive consent withdrawn",
            changes=audit.changes({"preference_type": preference.preference_type.code, "note": preference.note}, {}),
        )
    GuestPreference.objects.filter(pk__in=[p.pk for p in dropped]).delete()
    return len(dropped)


def consent_append(
    guest: Guest, *, purpose, granted, source, wording_version, note="", by=None, channel="web"
) -> ConsentEntry:
    """Append one validated statement inside the caller's transaction (the guest row is
    locked by the caller) and update the cache columns.  Returns the new entry."""
    before = consent_state(guest_id=guest.pk)[purpose]["granted"]
    entry = ConsentEntry.objects.create(
        guest=guest,
        purpose=purpose,
        granted=granted,
        source=source,
        wording_version=wording_version,
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
        channel=channel[:10],
        note=note,
    )
    cache = _cache_state(guest, entry)
    if cache:
        Guest.objects.filter(pk=guest.pk).update(**cache)
        for column, value in cache.items():
            setattr(guest, column, value)
    if purpose == Purpose.SENSITIVE and not granted:
        _drop_sensitive_preferences(guest, by=by, channel=channel)
    audit.record(
        action=AuditEvent.Action.CREATE,
        guest=guest,
        by=by,
        channel=channel,
        target="consent",
        object_ref=entry.pk,
        purpose=purpose,
        changes={
            "granted": [before, granted],
            "source": [None, source],
            "wording_version": [None, wording_version],
            "note": [None, note],
        },
    )
    return entry


def consent_record(*, guest_id, data: Mapping, by=None, channel: str = "web") -> ConsentEntry:
    """Record that a guest gave or withdrew consent to a purpose (a new ledger entry).

    The profile must be active and not erased; the profile's version goes up, so an edit
    form opened before cannot put the old consent back."""
    cleaned = consent_input_clean(data)
    guest_id = parsing.as_id(guest_id, field="guest")
    with transaction.atomic():
        guest = Guest.objects.active().select_for_update().filter(pk=guest_id).first()
        if guest is None:
            raise NotFound(_("Guest not found."), field="guest")
        guest_check_writable(guest)
        entry = consent_append(guest, **cleaned, by=by, channel=channel)
        Guest.objects.filter(pk=guest.pk).update(version=F("version") + 1)
    return entry


def consents_from_profile(guest: Guest, values: Mapping, *, source: str, by, channel: str) -> list[ConsentEntry]:
    """The consent flags of a profile create/edit, as ledger entries: one for each flag
    whose value differs from the current state (the ledger's latest entry)."""
    state = consent_state(guest_id=guest.pk) if guest.pk else {p: {"granted": DEFAULT_GRANTED[p]} for p in Purpose}
    entries = []
    for field, (purpose, granted_when_true) in PROFILE_CONSENT_FIELDS.items():
        if field not in values or values[field] is None:
            continue
        granted = bool(values[field]) == granted_when_true
        if state[purpose]["granted"] == granted:
            continue
        entries.append(
            consent_append(
                guest,
                purpose=purpose,
                granted=granted,
                source=(source or "staff")[:SOURCE_MAX],
                wording_version=wording_version_current(),
                by=by,
                channel=channel,
            )
        )
    return entries
