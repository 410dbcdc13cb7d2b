"""Arrivals of a day at a property, with what the desk and housekeeping prepare."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from crm_site import parsing
from crm_site.extensions import badges_for

from ..models import GuestNote, GuestPreference, PreferenceType, Property, Stay

_ARRIVAL_STAY_FIELDS = (
    "property",
    "guest",
    "confirmation_number",
    "arrival_date",
    "departure_date",
    "nights",
    "room_type",
    "room_number",
    "rate_code",
    "channel",
    "market_segment",
    "status",
    "special_requests",
    "adults",
    "children",
)
_ARRIVAL_GUEST_FIELDS = (
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "gender",
    "birth_date",
    "nationality",
    "language",
    "vip_code",
    "company",
    "merged_into",
)


def arrivals(*, property: Property, date: dt.date, viewer) -> list[dict]:
    """Expected and in-house arrivals of one day at one property, with what to prepare:
    preferences, alerts and the other apps' badges (tier, open complaints...)."""
    stays = list(
        Stay.objects.filter(
            property=property,
            arrival_date=date,
            status__in=[Stay.Status.RESERVED, Stay.Status.IN_HOUSE, Stay.Status.CHECKED_OUT],
        )
        .select_related("guest")
        # Only what the list shows and the API returns (guests.api.serializers.Arrival*),
        # for up to 500 arrivals; a field read beyond it would cost a query per row, which
        # the arrivals query-count test catches.
        .only(*_ARRIVAL_STAY_FIELDS, *(f"guest__{name}" for name in _ARRIVAL_GUEST_FIELDS))
        .prefetch_related(
            # Lists (to_attr), not managers: guest.preferences.all() would build a
            # manager and a queryset per guest, a third of the cost of 500 arrivals.
            Prefetch("guest__preferences", queryset=GuestPreference.objects.all(), to_attr="arrival_preferences"),
            Prefetch(
                "guest__guest_notes",
                queryset=GuestNote.objects.filter(is_active=True, kind=GuestNote.Kind.ALERT),
                to_attr="active_alerts",
            ),
        )
        .order_by("guest__family_name_latin", "guest__family_name", "confirmation_number")
    )
    # The vocabulary and the properties are small: one shared instance each instead of a
    # joined copy per preference.
    types = {t.pk: t for t in PreferenceType.objects.all()}
    properties = {p.pk: p for p in Property.objects.all()}
    badges = badges_for([s.guest_id for s in stays if s.guest_id], viewer)
    result = []
    for stay in stays:
        stay.property = property  # one instance for the day, not a joined copy per row
        guest = stay.guest
        for preference in guest.arrival_preferences if guest else ():
            preference.preference_type = types[preference.preference_type_id]
            preference.source_property = properties.get(preference.source_property_id)
        result.append(
            {
                "stay": stay,
                "guest": guest,
                "preferences": guest.arrival_preferences if guest else [],
                "alerts": guest.active_alerts if guest else [],
                "badges": badges.get(stay.guest_id, []) if guest else [],
            }
        )
    return result


def default_arrival_date() -> dt.date:
    return timezone.localdate()


def arrivals_date(value, *, field: str = "date") -> dt.date:
    """The day asked for (``YYYY-MM-DD``, years 1900-2100: the page links the day
    before and after); today when not given."""
    return parsing.as_date(value, field=field, required=False) or default_arrival_date()
