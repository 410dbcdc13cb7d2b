"""Reads shaped for the front desk, one module per screen.

* ``access`` — active guests, the properties a viewer works with;
* ``consent`` — the consent ledger: current state, history, who consents to a purpose;
* ``audit`` — the audit log, filtered for chain admins;
* ``search`` — guest lookup (names, pinyin, typos, phone suffixes, e-mails);
* ``profile`` — the guest 360 view;
* ``daily_lists`` — a day's arrivals, in-house guests and departures at a property;
* ``duplicates`` — likely duplicates and past merges;
* ``inventory`` — rooms to sell, their history and the room nights of a period;
* ``on_the_books`` — guests with a stay reserved or in house (segmentation and churn share it).

Each selector fetches in a fixed number of queries, so the page and the API that share
it have the same, locked query count (``tests/query_counts.json``).  Selectors never
import services.
"""

from .access import active_guests, visible_properties
from .audit import audit_event_list, audit_events
from .consent import (
    consent_history,
    consent_section,
    consent_state,
    contactable_guest_ids,
    guest_has_consent,
    with_consent,
)
from .daily_lists import (
    ARRIVALS,
    DEPARTURES,
    IN_HOUSE,
    KINDS,
    arrivals,
    arrivals_date,
    birthday_between,
    business_date,
    daily_list,
    default_arrival_date,
    list_date,
    list_property,
    list_totals,
    zone_of,
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
from .on_the_books import (
    ON_THE_BOOKS_STATUSES,
    guest_ids_on_the_books,
    guests_on_the_books_sql,
    next_stays_on_the_books,
    stays_on_the_books,
)
from .profile import (
    PROFILE_STAY_LIMIT,
    GuestProfile,
    StayHistory,
    guest_for_profile,
    guest_profile,
    guest_stay_history,
    preference_of,
    preference_vocabulary,
    stay_filter_properties,
    stay_history_filters,
)
from .search import FUZZY_CANDIDATES, GuestLookup, guest_lookup, guest_search, guest_search_results, lookup_text

__all__ = [
    "ON_THE_BOOKS_STATUSES",
    "guest_ids_on_the_books",
    "guests_on_the_books_sql",
    "next_stays_on_the_books",
    "stays_on_the_books",
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
    "ARRIVALS",
    "DEPARTURES",
    "IN_HOUSE",
    "KINDS",
    "arrivals",
    "birthday_between",
    "business_date",
    "daily_list",
    "list_date",
    "list_property",
    "list_totals",
    "zone_of",
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
    "guest_for_profile",
    "guest_profile",
    "preference_vocabulary",
    "stay_filter_properties",
    "GuestLookup",
    "guest_lookup",
    "guest_stay_history",
    "preference_of",
    "stay_history_filters",
    "StayHistory",
    "guest_search",
    "lookup_text",
    "guest_search_results",
    "merge_history",
    "reason_labels",
    "visible_properties",
    "with_consent",
]
