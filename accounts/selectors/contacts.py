"""The contacts map and its coverage: which levels (high, middle, low — 层高) and which
roles (面广) of the account we reach."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from guests.models_consent import ConsentPurpose
from guests.selectors.consent import contactable_guest_ids

from ..models import AccountContact, ContactLevel, ContactRole


@dataclass(frozen=True)
class Coverage:
    levels: list[str]
    roles: list[str]

    @property
    def levels_missing(self) -> list[str]:
        return [lv for lv in ContactLevel.values if lv not in self.levels]

    @property
    def roles_missing(self) -> list[str]:
        return [r for r in ContactRole.values if r not in self.roles]

    @property
    def score(self) -> float:
        """Share of the eight (3 levels + 5 roles) reached."""
        return (len(self.levels) + len(self.roles)) / (len(ContactLevel.values) + len(ContactRole.values))

    def as_dict(self) -> dict:
        return {
            "levels_covered": len(self.levels),
            "levels_total": len(ContactLevel.values),
            "roles_covered": len(self.roles),
            "roles_total": len(ContactRole.values),
            "levels": self.levels,
            "roles": self.roles,
            "missing_levels": self.levels_missing,
            "missing_roles": self.roles_missing,
            "score": round(self.score, 3),
        }

    def gap_labels(self) -> list[str]:
        return [_("%(level)s level") % {"level": ContactLevel(lv).label} for lv in self.levels_missing] + [
            str(ContactRole(r).label) for r in self.roles_missing
        ]


def coverage_of(rows) -> Coverage:
    """Coverage from (level, role) pairs of the account's live contacts."""
    pairs = list(rows)
    levels = {lv for lv, _role in pairs}
    roles = {role for _lv, role in pairs}
    return Coverage(
        levels=[lv for lv in ContactLevel.values if lv in levels],
        roles=[r for r in ContactRole.values if r in roles],
    )


def coverage_for_accounts(account_ids) -> dict[int, Coverage]:
    """Coverage of many accounts in one query (erased contacts do not count)."""
    pairs: dict[int, list] = {pk: [] for pk in account_ids}
    for account_id, level, role in AccountContact.objects.filter(
        account_id__in=list(pairs), is_erased=False
    ).values_list("account_id", "level", "role"):
        pairs[account_id].append((level, role))
    return {pk: coverage_of(rows) for pk, rows in pairs.items()}


def contact_label(contact: AccountContact) -> str:
    if contact.is_erased:
        return _("Erased contact")
    if contact.guest_id:
        return contact.guest.display_name
    return contact.name


CONTACT_PURPOSES = {"email": ConsentPurpose.MARKETING_EMAIL, "phone": ConsentPurpose.MARKETING_SMS}


def consenting_guests(guest_ids) -> dict[str, set[int]]:
    """Of ``guest_ids``, who may be contacted by e-mail and by phone right now — the guests
    app's consent ledger decides (``guests.selectors.consent``: latest entry, erased and
    merged-away profiles never).  One query per channel, none without guests."""
    ids = sorted({pk for pk in guest_ids if pk})
    if not ids:
        return {channel: set() for channel in CONTACT_PURPOSES}
    return {
        channel: {row["pk"] for row in contactable_guest_ids(purpose).filter(pk__in=ids)}
        for channel, purpose in CONTACT_PURPOSES.items()
    }


def contact_channels(contact: AccountContact, consenting: dict[str, set[int]] | None = None) -> dict:
    """How to reach the contact: a guest's own channels, shown only where the guest
    consents right now (``consenting``: from :func:`consenting_guests`); a contact-only
    person's as recorded."""
    if contact.guest_id:
        if consenting is None:
            consenting = consenting_guests([contact.guest_id])
        guest = contact.guest
        email_ok = contact.guest_id in consenting["email"]
        phone_ok = contact.guest_id in consenting["phone"]
        return {
            "email": guest.email if email_ok else "",
            "phone": guest.phone if phone_ok else "",
            "consent_email": email_ok,
            "consent_sms": phone_ok,
            "is_guest": True,
        }
    return {
        "email": contact.email,
        "phone": contact.phone,
        "consent_email": None,
        "consent_sms": None,
        "is_guest": False,
    }


def contacts_map(account) -> dict:
    """The account's contacts grouped by level (high first) with their coverage."""
    contacts = list(
        AccountContact.objects.filter(account=account).select_related("guest").order_by("level", "-influence", "id")
    )
    live = [c for c in contacts if not c.is_erased]
    consenting = consenting_guests(c.guest_id for c in live)
    rows = [{"contact": c, "label": contact_label(c), "channels": contact_channels(c, consenting)} for c in contacts]
    order = {lv: i for i, lv in enumerate(ContactLevel.values)}
    rows.sort(
        key=lambda r: (r["contact"].is_erased, order[r["contact"].level], -r["contact"].influence, r["contact"].pk)
    )
    return {
        "rows": rows,
        "coverage": coverage_of((c.level, c.role) for c in live),
        "levels": [
            {"code": lv, "label": ContactLevel(lv).label, "rows": [r for r in rows if r["contact"].level == lv]}
            for lv in ContactLevel.values
        ],
    }
