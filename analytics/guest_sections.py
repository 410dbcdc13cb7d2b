"""The pyramid on the guest 360 page, in search results and on the arrivals list.

Two sections, because they have different audiences: everyone who can see a guest sees
a *segment* badge for the top of the pyramid (VIP, Major, Ordinary: who to look after
at the desk); only dashboard users see the figures behind it (net revenue, rank, RFM).
"""

from __future__ import annotations

from crm_site.extensions import Badge, GuestSection

from . import selectors
from .models import RANKED_SEGMENTS, Segment

# Small guests, inactive guests and prospects get no badge: it would be noise at the desk.
BADGE_SEGMENTS = {str(s) for s in RANKED_SEGMENTS if s != Segment.SMALL}


def segment_badges(guest_ids: list[int]) -> dict[int, list[Badge]]:
    """One query for the whole page of guests."""
    return {
        guest_id: [Badge(selectors.segment_label(code), "segment")]
        for guest_id, code in selectors.current_segments(guest_ids).items()
        if code in BADGE_SEGMENTS
    }


def segment_badges_from_section(data: dict) -> list[Badge]:
    """The same badge from the dashboard section of the 360 view (no query)."""
    code = (data.get("current") or {}).get("segment")
    return [Badge(selectors.segment_label(code), "segment")] if code in BADGE_SEGMENTS else []


SECTIONS = [
    GuestSection(
        key="analytics-segment",
        order=35,
        badges=segment_badges,
        permission="guests.view_guest",
        # Dashboard users read the current segment in the "analytics" section already.
        profile_badges=segment_badges_from_section,
        badges_source="analytics",
    ),
    GuestSection(
        key="analytics",
        order=40,
        profile=selectors.guest_segment_profile,
        template="analytics/_guest_section.html",
        permission="analytics.view_dashboard",
    ),
]
