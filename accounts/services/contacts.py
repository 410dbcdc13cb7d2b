"""The contacts map: people at the account by role, level, influence and attitude.

A contact is a guest profile (its name and channels stay on the profile, so the guest's
consent, merge and erasure apply: see the hooks at the end) or a contact-only person
held here, erased with :func:`contact_erase`.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, NotFound
from guests import search_keys
from guests.models import Guest

from ..models import AccountContact, AccountEvent, Activity, Attitude, ContactLevel, ContactRole
from ..selectors.access import account_for_edit
from .common import as_object, record_event, single_value

PERSON_FIELDS = ("name", "email", "phone")
CONTACT_FIELDS = (
    "guest",
    *PERSON_FIELDS,
    "job_title",
    "role",
    "level",
    "influence",
    "attitude",
    "last_touch_on",
    "notes",
)


def _guest(value, *, field: str = "guest") -> Guest:
    if isinstance(value, Guest):
        return value
    pk = parsing.as_id(single_value(value, field=field), field=field)
    guest = Guest.objects.identified().filter(pk=pk).first()
    if guest is None:
        raise DomainError(_("Unknown guest (or merged away, or erased)."), field=field, code="unknown_guest")
    return guest


def _email(value, *, field: str = "email") -> str:
    text = parsing.as_text(value, field=field, max_length=254).lower()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise DomainError(_("Enter a valid e-mail address."), field=field, code="invalid_email") from None
    return text


def _phone(value, *, field: str = "phone") -> str:
    text = parsing.as_text(value, field=field, max_length=40)
    try:
        return search_keys.normalise_phone(text)
    except search_keys.InvalidPhone:
        raise DomainError(_("Enter a valid phone number."), field=field, code="invalid_phone") from None


def _check_field(field: str, value):
    value = single_value(value, field=field)
    checks = {
        "guest": lambda: None if value in (None, "") else _guest(value),
        "name": lambda: parsing.as_text(value, field=field, max_length=200),
        "email": lambda: _email(value),
        "phone": lambda: _phone(value),
        "job_title": lambda: parsing.as_text(value, field=field, max_length=120),
        "notes": lambda: parsing.as_text(value, field=field),
        "role": lambda: parsing.as_choice(value, field=field, choices=ContactRole, message=_("Choose a role.")),
        "level": lambda: parsing.as_choice(value, field=field, choices=ContactLevel, message=_("Choose a level.")),
        "influence": lambda: parsing.as_int(value, field=field, minimum=1, maximum=5, default=3),
        "attitude": lambda: parsing.as_choice(value, field=field, choices=Attitude, default=Attitude.NEUTRAL),
        "last_touch_on": lambda: parsing.as_of_date(value, field=field) if value not in (None, "") else None,
    }
    return checks[field]()


def contact_data_clean(data: Mapping, *, current: AccountContact | None = None) -> dict:
    """Every given field checked at once.  A new contact needs a role and a level, and
    either a guest profile or a name (a contact-only person); a guest's name and
    channels are read from the profile, never copied here."""
    bag, cleaned = ErrorBag(), {}
    fields = [f for f in CONTACT_FIELDS if f != "guest" or current is None]
    for field in fields:
        if field in data:
            value = bag.check(_check_field, field, data[field])
            if field not in bag.fields:
                cleaned[field] = value
        elif current is None and field in ("role", "level"):
            bag.add(DomainError(_("This field is required."), field=field))
    guest = cleaned.get("guest") if current is None else current.guest
    if guest is not None:
        for field in PERSON_FIELDS:
            if cleaned.get(field):
                bag.add(DomainError(_("A guest contact's name and channels come from the guest profile."), field=field))
    else:
        name = cleaned["name"] if "name" in cleaned else (current.name if current else "")
        if not name and "name" not in bag.fields:
            bag.add(DomainError(_("Give the contact's name, or choose a guest profile."), field="name"))
    bag.raise_if_any()
    return cleaned


def contact_add(*, account_id, data: Mapping, by=None) -> AccountContact:
    """Add a person to the account's contacts map (the account must be one ``by`` changes)."""
    data = as_object(data)
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        cleaned = contact_data_clean(data)
        guest = cleaned.get("guest")
        if guest is not None and AccountContact.objects.filter(account=account, guest=guest).exists():
            raise DomainError(_("This guest is already a contact of the account."), field="guest", code="duplicate")
        contact = AccountContact.objects.create(account=account, **cleaned)
        record_event(
            account, AccountEvent.Kind.CONTACT, by=by, added=contact.pk, role=contact.role, level=contact.level
        )
    return contact


def _contact(contact_id) -> AccountContact:
    contact = (
        AccountContact.objects.select_related("guest")
        .filter(pk=parsing.as_id(contact_id, field="contact"), is_erased=False)
        .first()
    )
    if contact is None:
        raise NotFound(_("Contact not found."), field="contact")
    return contact


def contact_update(*, contact_id, data: Mapping, by=None) -> AccountContact:
    data = as_object(data)
    contact = _contact(contact_id)
    with transaction.atomic():
        account_for_edit(by, contact.account_id)
        cleaned = contact_data_clean(data, current=contact)
        for field, value in cleaned.items():
            setattr(contact, field, value)
        contact.save()
        record_event(contact.account_id, AccountEvent.Kind.CONTACT, by=by, changed=contact.pk, fields=sorted(cleaned))
    return contact


def contact_remove(*, contact_id, by=None) -> None:
    """Take a person off the map (their activities stay, without the link)."""
    contact = _contact(contact_id)
    with transaction.atomic():
        account_for_edit(by, contact.account_id)
        contact.delete()
        record_event(contact.account_id, AccountEvent.Kind.CONTACT, by=by, removed=contact_id)


def _scrub_activities(contact_ids) -> None:
    """What was written about conversations with an erased person goes with them: the
    outcome, the next step and the subject (a follow-up's subject is the next step)."""
    Activity.objects.filter(contact_id__in=contact_ids).update(subject="", outcome="", next_step="", contact=None)


def contact_erase(*, contact_id, by=None) -> AccountContact:
    """Erase a contact-only person: name, channels, title and notes go; the role and
    level stay (anonymous) for the account's history.  A guest contact is erased with
    the guest profile (right to be forgotten), not here."""
    contact = _contact(contact_id)
    if contact.guest_id:
        raise DomainError(
            _("This contact is a guest: erase the guest profile instead."), field="contact", code="guest_contact"
        )
    with transaction.atomic():
        account_for_edit(by, contact.account_id)
        _scrub_activities([contact.pk])
        contact.name = contact.email = contact.phone = contact.job_title = contact.notes = ""
        contact.is_erased = True
        contact.save()
        record_event(contact.account_id, AccountEvent.Kind.CONTACT, by=by, erased=contact.pk)
    return contact


# --- Guest hooks (crm_site.extensions) ---------------------------------------------------


def contacts_move_guest(merged_id: int, survivor_id: int) -> dict:
    """Guest merge: the duplicate's contact rows follow the survivor (unless the account
    already knows the survivor)."""
    known = AccountContact.objects.filter(guest_id=survivor_id).values("account_id")
    ids = list(
        AccountContact.objects.filter(guest_id=merged_id).exclude(account_id__in=known).values_list("pk", flat=True)
    )
    AccountContact.objects.filter(pk__in=ids).update(guest_id=survivor_id)
    return {"contacts": ids}


def contacts_restore_guest(moved: dict, merged_id: int, survivor_id: int) -> None:
    AccountContact.objects.filter(pk__in=moved.get("contacts", []), guest_id=survivor_id).update(guest_id=merged_id)


def contacts_erase_guests(guest_ids: list[int]) -> None:
    """Guest erasure: the person leaves every contacts map, and what was written about
    conversations with them goes too."""
    ids = list(AccountContact.objects.filter(guest_id__in=guest_ids).values_list("pk", flat=True))
    _scrub_activities(ids)
    AccountContact.objects.filter(pk__in=ids).delete()


def contacts_export_guest(guest: Guest, viewer=None) -> list[dict]:
    """Right of access: the accounts where the guest is a contact, and what we note."""
    return [
        {
            "account": c.account.name,
            "role": c.role,
            "level": c.level,
            "job_title": c.job_title,
            "influence": c.influence,
            "attitude": c.attitude,
            "last_touch_on": c.last_touch_on.isoformat() if c.last_touch_on else None,
            "notes": c.notes,
        }
        for c in AccountContact.objects.filter(guest=guest).select_related("account").order_by("id")
    ]
