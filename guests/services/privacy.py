"""Privacy requests (GDPR / PIPL): export everything held about a guest, erase a guest.

Every app that holds personal data registers how to export and scrub it
(``crm_site.extensions.PersonalData``), so nothing is left out as apps grow.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import DomainError, NotFound
from crm_site.extensions import guest_sections, personal_data_holders

from .. import audit
from ..models import AuditEvent, Guest, Stay
from .profiles import GUEST_FIELDS

ERASED_NAME = "Erased"


def guest_export(*, guest: Guest, by=None, channel: str = "web") -> dict:
    """Everything the chain holds about one guest, as JSON-ready data (right of access).

    The core profile, preferences, notes and stays come from here; every other app adds
    its part through its registered 360 section, so nothing is left out as apps grow.
    """

    def plain(obj, fields):
        return {
            f: (str(v) if v is not None and not isinstance(v, bool | int | str) else v)
            for f in fields
            for v in [getattr(obj, f)]
        }

    data = {
        "guest": plain(
            guest,
            ["id", *GUEST_FIELDS, "marketing_email_consent_at", "marketing_sms_consent_at", "created_at", "updated_at"],
        ),
        "preferences": [
            {
                "preference": p.preference_type.label,
                "note": p.note,
                "source": p.source,
                "last_confirmed": p.last_confirmed.isoformat(),
            }
            for p in guest.preferences.select_related("preference_type")
        ],
        "notes": [
            {"kind": n.kind, "text": n.text, "created_at": n.created_at.isoformat()} for n in guest.guest_notes.all()
        ],
        "stays": [
            plain(
                s,
                [
                    "confirmation_number",
                    "arrival_date",
                    "departure_date",
                    "room_type",
                    "rate_code",
                    "channel",
                    "status",
                    "special_requests",
                    "room_revenue",
                    "fnb_revenue",
                    "other_revenue",
                    "currency",
                    "adults",
                    "children",
                ],
            )
            | {"property": s.property.code}
            for s in guest.stays.select_related("property").order_by("arrival_date")
        ],
    }
    data["guest"]["company"] = guest.company.name if guest.company_id else None
    for section in guest_sections():
        if section.profile is not None:
            data[section.key] = section.profile(guest, by)
    for holder in personal_data_holders():
        if holder.export is not None:
            data[holder.key] = holder.export(guest, by)
    audit.record(guest=guest, action=AuditEvent.Action.EXPORT, by=by, channel=channel)
    return data


def guest_erase(*, guest_id: int, by=None, channel: str = "web") -> Guest:
    """Erase a guest by anonymising the profile (right to be forgotten).

    Personal data goes; stays and their revenue stay (statistics need them) but point
    at an anonymous profile.  Every app that holds personal data scrubs it through its
    registered ``PersonalData.erase`` (``crm_site.extensions``), in this transaction.
    """
    with transaction.atomic():
        try:
            guest = Guest.objects.active().select_for_update().get(pk=guest_id)
        except Guest.DoesNotExist:
            raise NotFound(_("Guest not found.")) from None
        if guest.is_anonymised:
            raise DomainError(_("This guest has already been erased."), field="guest")
        for field in (
            "family_name",
            "given_name",
            "given_name_latin",
            "email",
            "phone",
            "phone_reversed",
            "document_hash",
            "vip_code",
            "notes",
            "nationality",
            "language",
            "gender",
            "marketing_email_consent_source",
            "marketing_sms_consent_source",
        ):
            setattr(guest, field, "")
        guest.family_name_latin = ERASED_NAME
        guest.birth_date = None
        guest.company = None
        guest.marketing_email_consent = guest.marketing_sms_consent = False
        guest.marketing_email_consent_at = guest.marketing_sms_consent_at = timezone.now()
        guest.profiling_opt_out = True
        guest.is_anonymised = True
        guest.search_document = guest.name_key = guest.name_initials = ""
        guest.version = F("version") + 1
        guest.save()
        guest.preferences.all().delete()
        guest.guest_notes.all().delete()
        Stay.objects.filter(guest=guest).update(special_requests="")
        audit.record(guest=guest, action=AuditEvent.Action.ERASE, by=by, channel=channel)
        for holder in personal_data_holders():
            if holder.erase is not None:
                holder.erase([guest.pk])
    guest.refresh_from_db()
    return guest
