"""Reads shaped for the front desk, one module per screen.

* ``access`` — active guests, consents, the properties a viewer works with;
* ``search`` — guest lookup (names, pinyin, typos, phone suffixes, e-mails);
* ``profile`` — the guest 360 view and the audit trail;
* ``arrivals`` — a day's arrivals with what to prepare;
* ``duplicates`` — likely duplicates and past merges;
* ``inventory`` — rooms to sell, their history and the room nights of a period.

Each selector fetches in a fixed number of queries, so the page and the API that share
it have the same, locked query count (``tests/query_counts.json``).  Selectors never
import services.
"""

from .access import CONSENT_FIELDS, active_guests, guest_has_consent, visible_properties
from .arrivals import arrivals, arrivals_date, default_arrival_date
from .duplicates import (
    DUPLICATE_REASON_LABELS,
    duplicate_candidates,
    duplicate_reasons,
    duplicates_section,
    merge_history,
    reason_labels,
)
from .inventory import RoomSupply, inventory_overview, room_inventory_for, room_supply, rooms_on
from .profile import PROFILE_STAY_LIMIT, GuestProfile, audit_events, guest_profile
from .search import FUZZY_CANDIDATES, guest_search, guest_search_results

__all__ = [
    "RoomSupply",
    "inventory_overview",
    "room_inventory_for",
    "room_supply",
    "rooms_on",
    "CONSENT_FIELDS",
    "DUPLICATE_REASON_LABELS",
    "FUZZY_CANDIDATES",
    "PROFILE_STAY_LIMIT",
    "GuestProfile",
    "active_guests",
    "arrivals",
    "arrivals_date",
    "audit_events",
    "default_arrival_date",
    "duplicate_candidates",
    "duplicate_reasons",
    "duplicates_section",
    "guest_has_consent",
    "guest_profile",
    "guest_search",
    "guest_search_results",
    "merge_history",
    "reason_labels",
    "visible_properties",
]
