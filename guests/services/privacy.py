"""Right of access (GDPR art. 15, PIPL art. 45): everything held about a guest as JSON.

Every app that holds personal data registers how to export it
(``crm_site.extensions.PersonalData``), so nothing is left out as apps grow.  Erasure:
``guests.services.erasure``.
"""

from __future__ import annotations

from crm_site.extensions import guest_sections, personal_data_holders

from .. import audit
from ..models import Guest
from .profiles import GUEST_FIELDS


def guest_export(*, guest: Guest, by=None, channel: str = "web") -> dict:
    """Everything the chain holds about one guest, as JSON-ready data (right of access).

    The core profile, preferences, notes and stays come from here; the consent ledger
    and every other app's part come through their registered 360 sections and
    ``PersonalData.export``, so nothing is left out as apps grow.
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
                "operational_need": p.operational_need,
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
    audit.record_export(what="guest", rows=1, by=by, channel=channel, guest=guest)
    return data
