"""Guest profiles: create and update, with every invalid field reported at once.

Profiles are chain-wide.  Names, e-mail, phone, dates and codes are validated here (one
rule set for the API, the pages, the importer and the admin), the search keys are
derived from the names, consent flags become entries of the consent ledger, and every
change leaves an audit record with the old and new values.  Updates use optimistic locking (``version``).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from crm_site import parsing
from crm_site.errors import ConflictError, DomainError, ErrorBag, NotFound

from .. import audit, iso, search_keys
from ..models import AuditEvent, Guest
from ..selectors.duplicates import duplicate_candidates_for
from .consent import PROFILE_CONSENT_FIELDS, consents_from_profile
from .erasure import guest_check_writable

GUEST_FIELDS = (
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "gender",
    "birth_date",
    "nationality",
    "language",
    "email",
    "phone",
    "vip_code",
    "id_type",
    "address",
    "anniversary_date",
    "company",
    "marketing_email_consent",
    "marketing_sms_consent",
    "profiling_opt_out",
    "notes",
)
NAME_FIELDS = ("family_name", "given_name", "family_name_latin", "given_name_latin")
# Write-only inputs beside the stored fields.
EXTRA_INPUTS = ("document_number", "consent_source", "confirm_new")

# Text inputs and their longest accepted value (the column's length; the phone is the
# raw number as typed, normalised to E.164 afterwards).
TEXT_LIMITS = {
    "family_name": 100,
    "given_name": 100,
    "family_name_latin": 100,
    "given_name_latin": 100,
    "nationality": 60,
    "language": 40,
    "email": 254,
    "phone": 40,
    "vip_code": 16,
    "address": 500,
    "notes": parsing.MAX_TEXT,
    "document_number": 40,
    "consent_source": 50,
}
BOOLEAN_FIELDS = ("marketing_email_consent", "marketing_sms_consent", "profiling_opt_out")
# Profile fields written straight to the row (the consent flags go to the ledger).
FIELDS = frozenset(GUEST_FIELDS) - frozenset(BOOLEAN_FIELDS)


def _not_a_single_value(value) -> bool:
    return isinstance(value, dict | list | tuple | set)


def _email(value: str, *, field: str) -> str:
    email = value.lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise DomainError(_("Enter a valid e-mail address."), field=field, code="invalid_email") from None
    return email


def _phone(value: str, *, field: str) -> str:
    try:
        return search_keys.normalise_phone(value)
    except search_keys.InvalidPhone:
        raise DomainError(_("Enter a valid phone number."), field=field, code="invalid_phone") from None


def _birth_date(value, *, field: str):
    day = parsing.as_date(value, field=field, required=False)
    if day is not None and day > timezone.localdate():
        raise DomainError(_("Birth date must be in the past."), field=field, code="future_date")
    return day


def _nationality(value: str, *, field: str) -> str:
    """Stored as the ISO 3166 alpha-3 code; the input may be either code or the
    country's name in English or Chinese ("Germany" → DEU, never "GER")."""
    code = iso.country_code(value)
    if code is None:
        raise DomainError(
            _("Choose a country from the ISO list (a code such as DE or DEU, or its name)."),
            field=field,
            code="invalid_country",
        )
    return code


def _language(value: str, *, field: str) -> str:
    code = iso.language_code(value)
    if code is None:
        raise DomainError(
            _("Choose a language from the list (a code such as en, de or zh-hans, or its name)."),
            field=field,
            code="invalid_language",
        )
    return code


def _anniversary(value, *, field: str):
    return parsing.as_date(value, field=field, required=False)


def _company(value, *, field: str) -> Account | None:
    if value in (None, ""):
        return None
    if isinstance(value, Account):
        return value
    company = Account.objects.active().filter(pk=parsing.as_id(value, field=field)).first()
    if company is None:
        raise DomainError(_("Unknown company."), field=field, code="unknown_company")
    return company


def _id_type(value, *, field: str) -> str:
    return parsing.as_choice(value or "", field=field, choices=Guest.IdType, default="", message=_("Unknown ID type."))


def _gender(value, *, field: str) -> str:
    return parsing.as_choice(value or "", field=field, choices=Guest.Gender, message=_("Unknown gender."))


def _flag(value, *, field: str) -> bool:
    return parsing.as_bool(value, field=field)


# Checks of non-empty text values (an empty one is stored as empty).
_TEXT_CHECKS = {"email": _email, "phone": _phone, "nationality": _nationality, "language": _language}
# Checks of other values, empty ones included.
_VALUE_CHECKS = {
    "birth_date": _birth_date,
    "anniversary_date": _anniversary,
    "id_type": _id_type,
    "gender": _gender,
    "company": _company,
    **dict.fromkeys((*BOOLEAN_FIELDS, "confirm_new"), _flag),
}


def _check_values(data: Mapping, bag: ErrorBag) -> dict:
    """Each given field on its own: texts, e-mail, phone, dates, codes, flags."""
    cleaned: dict = {}
    for field, value in data.items():
        if _not_a_single_value(value):
            bag.add(DomainError(_("Send a single value (text, number or null)."), field=field, code="invalid"))
            continue
        if field in TEXT_LIMITS:
            value = bag.check(parsing.as_text, value, field=field, max_length=TEXT_LIMITS[field])
            if value is None:
                continue
        if field in _TEXT_CHECKS and value:
            value = bag.check(_TEXT_CHECKS[field], value, field=field)
        elif field in _VALUE_CHECKS:
            value = bag.check(_VALUE_CHECKS[field], value, field=field)
        if field not in bag.fields:
            cleaned[field] = value
    return cleaned


def guest_data_clean(data: Mapping, *, partial: bool, current: Guest | None = None) -> dict:
    """Validate and normalise profile input; derive the search keys and consent stamps.

    Every invalid field is reported at once (``DomainError.many``).  With ``partial``
    only the given fields are checked (an update); ``current`` is the stored profile.
    """
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the profile as an object."), field="detail", code="invalid")
    bag = ErrorBag()
    for field in sorted(set(data) - set(GUEST_FIELDS) - set(EXTRA_INPUTS)):
        bag.add(DomainError(_("Unknown field."), field=str(field), code="unknown_field"))
    given = {k: v for k, v in data.items() if k in GUEST_FIELDS or k in EXTRA_INPUTS}
    values = _check_values(given, bag)

    def current_value(field):
        if field in values:
            return values[field]
        return getattr(current, field, "") if current else ""

    names_given = any(f in given for f in NAME_FIELDS)
    names_valid = not any(f in bag.fields for f in NAME_FIELDS)
    if (not partial or names_given) and names_valid and not any(current_value(f) for f in NAME_FIELDS):
        bag.add(DomainError(_("A guest needs at least a family or given name."), field="family_name", code="required"))
    bag.raise_if_any()
    return _derive(values, current=current, names_given=names_given, current_value=current_value)


def _derive(values: dict, *, current: Guest | None, names_given: bool, current_value) -> dict:
    cleaned = {k: v for k, v in values.items() if k in GUEST_FIELDS}
    if "phone" in cleaned:
        cleaned["phone_reversed"] = search_keys.phone_reversed(cleaned["phone"])
    if "document_number" in values:
        cleaned["document_hash"] = search_keys.document_hash(values["document_number"])
    if "consent_source" in values:
        cleaned["consent_source"] = values["consent_source"] or ""
    if values.get("confirm_new"):
        cleaned["confirm_new"] = True
    if names_given:
        cleaned.update(search_keys.guest_name_keys(**{f: current_value(f) for f in NAME_FIELDS}))
    return cleaned


def _split_consents(cleaned: dict) -> tuple[dict, dict, str]:
    """(profile values, consent flags, where the consent came from): the flags become
    consent-ledger entries (``guests.services.consent``), never plain column writes."""
    source = cleaned.pop("consent_source", "") or "staff"
    flags = {f: cleaned.pop(f) for f in list(cleaned) if f in PROFILE_CONSENT_FIELDS}
    return cleaned, flags, source


class PossibleDuplicate(ConflictError):
    """The new profile looks like guests already on file (same e-mail, phone, document,
    or a very similar name with the same birth date): shown first, created only when the
    agent confirms it is someone else (409 ``possible_duplicate`` with the candidates)."""

    default_code = "possible_duplicate"

    def __init__(self, candidates: list[dict]):
        super().__init__(
            _("This guest may already have a profile. Open it, or confirm that this is a different person."),
            field="confirm_new",
        )
        self.candidates = candidates

    def body(self) -> dict:
        return {**super().body(), "candidates": self.candidates}


def guest_create(*, data: Mapping, by=None, channel: str = "web", confirm_new: bool = False) -> Guest:
    """Create a chain-wide profile.  Every invalid field is reported at once; likely
    duplicates refuse the creation (``PossibleDuplicate``) unless ``confirm_new``; consent
    flags given become the first entries of the guest's consent ledger."""
    cleaned, flags, source = _split_consents(guest_data_clean(data, partial=False))
    confirm_new = cleaned.pop("confirm_new", False) or confirm_new
    if not confirm_new:
        candidates = duplicate_candidates_for(cleaned)
        if candidates:
            raise PossibleDuplicate(candidates)
    with transaction.atomic():
        guest = Guest(**cleaned)
        guest.save()
        audit.record(
            guest=guest, action=AuditEvent.Action.CREATE, by=by, channel=channel, fields=sorted(set(cleaned) & FIELDS)
        )
        consents_from_profile(guest, flags, source=source, by=by, channel=channel)
    return guest


def _stale_version(guest: Guest, expected: int) -> ConflictError:
    return ConflictError(
        _(
            "Someone else saved this profile after you opened it (version %(theirs)s, "
            "yours %(yours)s). Reload to see their changes, then apply yours again."
        )
        % {"theirs": guest.version, "yours": expected},
        field="version",
    )


def guest_update(*, guest_id: int, expected_version, data: Mapping, by=None, channel: str = "web") -> Guest:
    """Update a profile, refusing a stale edit.

    Optimistic locking: the row is updated only if its version is still the one the
    editor loaded; otherwise someone else saved first and we raise ConflictError (409)
    instead of silently overwriting their change.
    """
    if expected_version in (None, ""):
        raise DomainError(_("The profile version you edited is required."), field="version", code="required")
    expected = parsing.as_int(expected_version, field="version", minimum=1)
    with transaction.atomic():
        try:
            guest = Guest.objects.active().select_for_update().get(pk=guest_id)
        except Guest.DoesNotExist:
            raise NotFound(_("Guest not found.")) from None
        guest_check_writable(guest)
        if guest.version != expected:
            raise _stale_version(guest, expected)
        cleaned, flags, source = _split_consents(guest_data_clean(data, partial=True, current=guest))
        cleaned.pop("confirm_new", None)  # a creation's answer, meaningless on an update
        before = {k: getattr(guest, k) for k in cleaned if k in FIELDS or k == "document_hash"}
        for key, value in cleaned.items():
            setattr(guest, key, value)
        guest.version = F("version") + 1
        guest.save()
        guest.refresh_from_db()
        after = {k: getattr(guest, k) for k in before}
        audit.record(
            guest=guest, action=AuditEvent.Action.CHANGE, by=by, channel=channel, changes=audit.changes(before, after)
        )
        consents_from_profile(guest, flags, source=source, by=by, channel=channel)
        guest.refresh_from_db()
    return guest


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def guest_edit_differences(*, guest: Guest, values: Mapping, labels: Mapping) -> list[dict]:
    """Where an edit made against an older version differs from the profile saved now
    (normalised by the profile rules, so "de" and "DEU" are not a difference): for the
    conflict page, which keeps the agent's input and shows these fields."""
    given = {k: v for k, v in values.items() if k in GUEST_FIELDS}
    try:
        cleaned = guest_data_clean(given, partial=True, current=guest)
    except DomainError as error:
        cleaned = {k: v for k, v in given.items() if k not in error.fields}
    differences = []
    for field in GUEST_FIELDS:
        if field not in cleaned:
            continue
        saved, yours = getattr(guest, field), cleaned[field]
        if (saved or None) == (yours or None):
            continue
        label = labels[field].label if field in labels else field
        differences.append({"field": field, "label": label, "saved": _shown(saved), "yours": _shown(yours)})
    return differences
