"""Reads shaped for the front desk: search, the guest 360 view, arrivals.

Each selector does its fetching in a fixed number of queries, so the page and the API
that share it have the same, locked query count.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from crm_site.extensions import Badge, badges_for, guest_sections
from crm_site.roles import is_chain_wide

from . import money, search_keys
from .models import Guest, GuestNote, GuestPreference, Property, Stay

_DIGITS = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-]+$")
# Hooks that resolve an identifier (member number, ...) to guest ids; other apps append.
IDENTIFIER_LOOKUPS: list = []


def active_guests() -> QuerySet[Guest]:
    return Guest.objects.filter(merged_into__isnull=True)


def _trigram_available() -> bool:
    return connection.vendor == "postgresql"


def guest_search(*, query: str, limit: int | None = None) -> list[Guest]:
    """Find guests from what an agent typed: a partial name in any script or spelling
    (typos, accents, pinyin, initials), a phone suffix of 4+ digits, an e-mail or a
    member number.  Best matches first; at most ``limit`` guests.
    """
    limit = limit or settings.GUEST_SEARCH_LIMIT
    query = (query or "").strip()[:100]
    if not query:
        return []
    base = active_guests().select_related("company")

    for lookup in IDENTIFIER_LOOKUPS:
        ids = lookup(query)
        if ids:
            return list(base.filter(pk__in=ids)[:limit])

    if "@" in query:
        return list(base.filter(email__startswith=query.lower()).order_by("email", "id")[:limit])

    digits = _DIGITS.sub("", query)
    if _PHONE_LIKE.match(query) and len(digits) >= 4:
        return list(
            base.filter(phone_reversed__startswith=digits[::-1]).order_by("phone_reversed", "id")[:limit]
        )

    forms = search_keys.query_forms(query)
    latin, compact = forms["latin"], forms["compact"]
    if not compact:
        return []

    # 1. Exact or prefix on the joined name (zhangwei, zhangw...), or the initials (zw).
    prefix_q = Q(name_key__startswith=compact)
    if compact.isalpha() and len(compact) <= 4:
        prefix_q |= Q(name_initials=compact)
    found = list(base.filter(prefix_q).order_by("name_key", "id")[:limit])
    if len(found) >= limit or len(compact) < 3:
        return found

    seen = {g.pk for g in found}
    if _trigram_available():
        # 2. Typo-tolerant: pg_trgm word similarity, served by the GIN trigram index.
        fuzzy = (
            base.extra(
                where=["%s <%% search_document"],
                params=[latin],
                select={"score": "word_similarity(%s, search_document)"},
                select_params=[latin],
            )
            .exclude(pk__in=seen)
            .order_by("-score", "id")[: limit - len(found)]
        )
    else:
        # SQLite fallback: substring of any spelling (no typo tolerance).
        fuzzy = (
            base.filter(search_document__contains=latin)
            .exclude(pk__in=seen)
            .order_by("name_key", "id")[: limit - len(found)]
        )
    return found + list(fuzzy)


def guest_search_results(*, query: str, viewer, limit: int | None = None) -> list[dict]:
    """Search results with their badges (tier, segment, open complaints) in bulk."""
    guests = guest_search(query=query, limit=limit)
    badges = badges_for([g.pk for g in guests], viewer)
    return [{"guest": g, "badges": badges.get(g.pk, [])} for g in guests]


@dataclass
class GuestProfile:
    guest: Guest
    preferences: list[GuestPreference]
    alerts: list[GuestNote]
    notes: list[GuestNote]
    stays: list[Stay]
    spend: dict
    badges: list[Badge]
    sections: list[dict] = field(default_factory=list)


def guest_profile(*, guest_id: int, viewer, stay_limit: int = 500) -> GuestProfile:
    """Everything the desk needs about one guest, in a fixed number of queries."""
    guest = (
        Guest.objects.select_related("company", "merged_into")
        .prefetch_related(
            Prefetch(
                "preferences",
                queryset=GuestPreference.objects.select_related("preference_type", "source_property"),
            ),
            Prefetch(
                "guest_notes",
                queryset=GuestNote.objects.filter(is_active=True).select_related("property", "created_by"),
            ),
        )
        .get(pk=guest_id)
    )
    stays = list(
        Stay.objects.filter(guest_id=guest.pk)
        .select_related("property")
        .order_by("-arrival_date", "-id")[:stay_limit]
    )
    # Totals in the chain currency: the split (room / F&B / other) is per stay, in the
    # currency each hotel billed, and cannot be summed across hotels.
    spend = Stay.objects.filter(guest_id=guest.pk, status=Stay.Status.CHECKED_OUT).aggregate(
        stays=Count("id"),
        nights=Sum("nights"),
        total=Sum("total_revenue"),
    )
    spend["currency"] = money.chain_currency()
    notes = list(guest.guest_notes.all())
    sections = []
    for section in guest_sections(viewer):
        if section.profile is None:
            continue
        sections.append(
            {"key": section.key, "template": section.template, "data": section.profile(guest, viewer)}
        )
    return GuestProfile(
        guest=guest,
        preferences=list(guest.preferences.all()),
        alerts=[n for n in notes if n.kind == GuestNote.Kind.ALERT],
        notes=[n for n in notes if n.kind == GuestNote.Kind.NOTE],
        stays=stays,
        spend=spend,
        badges=badges_for([guest.pk], viewer).get(guest.pk, []),
        sections=sections,
    )


def visible_properties(user) -> QuerySet[Property]:
    """Properties a staff user works with: all for chain-wide roles, else home ones."""
    if is_chain_wide(user):
        return Property.objects.filter(is_active=True)
    return Property.objects.filter(is_active=True, staff__user=user)


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
        .prefetch_related(
            Prefetch(
                "guest__preferences",
                queryset=GuestPreference.objects.select_related("preference_type"),
            ),
            Prefetch(
                "guest__guest_notes",
                queryset=GuestNote.objects.filter(is_active=True, kind=GuestNote.Kind.ALERT),
                to_attr="active_alerts",
            ),
        )
        .order_by("guest__family_name_latin", "guest__family_name", "confirmation_number")
    )
    badges = badges_for([s.guest_id for s in stays if s.guest_id], viewer)
    result = []
    for stay in stays:
        guest = stay.guest
        result.append(
            {
                "stay": stay,
                "guest": guest,
                "preferences": list(guest.preferences.all()) if guest else [],
                "alerts": guest.active_alerts if guest else [],
                "badges": badges.get(stay.guest_id, []) if guest else [],
            }
        )
    return result


def default_arrival_date() -> dt.date:
    return timezone.localdate()
