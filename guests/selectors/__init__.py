"""Reads shaped for the front desk, one module per screen.

* ``access`` — active guests, the properties a viewer works with;
* ``consent`` — the consent ledger: current state, history, who consents to a purpose;
* ``audit`` — the audit log, filtered for chain admins;
* ``search`` — guest lookup (names, pinyin, typos, phone suffixes, e-mails);
* ``profile`` — the guest 360 view;
* ``arrivals`` — a day's arrivals with what to prepare;
* ``duplicates`` — likely duplicates and past merges;
* ``inventory`` — rooms to sell, their history and the room nights of a period.

Each selector fetches in a fixed number of queries, so the page and the API that share
it have the same, locked query count (``tests/query_counts.json``).  Selectors never
import services.
"""

from .access import active_guests, visible_properties
from .arrivals import arrivals, arrivals_date, default_arrival_date
from .audit import audit_event_list, audit_events
from .consent import (
    consent_history,
    consent_section,
    consent_state,
    contactable_guest_ids,
    guest_has_consent,
    with_consent,
)
from .duplicates import (
    DUPLICATE_REASON_LABELS,
    duplicate_candidates,
    duplicate_candidates_for,
    duplicate_reasons,
    duplicates_section,
    merge_history,
    reason_labels,
)
from .inventory import RoomSupply, inventory_overview, room_inventory_for, room_supply, rooms_on
from .profile import (
    PROFILE_STAY_LIMIT,
    GuestProfile,
    StayHistory,
    guest_profile,
    guest_stay_history,
    preference_of,
    stay_history_filters,
)
from .search import FUZZY_CANDIDATES, guest_search, guest_search_results

__all__ = [
    "RoomSupply",
    "inventory_overview",
    "room_inventory_for",
    "room_supply",
    "rooms_on",
    "DUPLICATE_REASON_LABELS",
    "FUZZY_CANDIDATES",
    "PROFILE_STAY_LIMIT",
    "GuestProfile",
    "active_guests",
    "arrivals",
    "arrivals_date",
    "audit_event_list",
    "audit_events",
    "consent_history",
    "consent_section",
    "consent_state",
    "contactable_guest_ids",
    "default_arrival_date",
    "duplicate_candidates",
    "duplicate_candidates_for",
    "duplicate_reasons",
    "duplicates_section",
    "guest_has_consent",
    "guest_profile",
    "guest_stay_history",
    "preference_of",
    "stay_history_filters",
    "StayHistory",
    "guest_search",
    "guest_search_results",
    "merge_history",
    "reason_labels",
    "visible_properties",
    "with_consent",
]
