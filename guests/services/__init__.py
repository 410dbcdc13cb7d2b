"""Writes and business rules of the guests app, one module per sub-domain.

* ``profiles`` — guest create / update (optimistic locking, search keys, audit);
* ``preferences`` — preferences and notes;
* ``stays`` — the one stay upsert (API, bulk API, importer, admin), with its rule set
  (``stay_rows``) and its writer (``stay_writer``);
* ``privacy`` — the right-of-access export (GDPR / PIPL);
* ``erasure`` — erasure of a whole merge cluster, and the read-only rule for erased profiles;
* ``consent`` — the consent ledger (and the profile's consent flags as its entries);
* ``retention`` — anonymising guests without stay or activity for a configured period;
* ``merge`` — duplicate merge and its undo;
* ``properties`` — the chain's hotels;
* ``rates`` — dated exchange rates (admin, API, ``import_rates``);
* ``inventory`` — rooms each hotel has to sell, with their history;
* ``maintenance`` — planner statistics after bulk loads.

Every function validates first, writes inside one transaction and raises
``DomainError`` naming the offending field(s); nothing is half-written.  Callers
import from here.
"""

from .consent import consent_input_clean, consent_record
from .erasure import ERASED_NAME, guest_check_writable, guest_erase, merge_cluster_ids
from .inventory import INVENTORY_FIELDS, room_inventory_add, room_inventory_clean, room_inventory_update
from .maintenance import tables_analyze
from .merge import MERGE_FILL_FIELDS, guest_merge, guest_merge_undo
from .preferences import guest_note_add, guest_note_deactivate, preference_remove, preference_set
from .privacy import guest_export
from .profiles import (
    GUEST_FIELDS,
    NAME_FIELDS,
    PossibleDuplicate,
    guest_create,
    guest_data_clean,
    guest_edit_differences,
    guest_update,
)
from .properties import PROPERTY_FIELDS, property_create, property_data_clean, property_update
from .rates import (
    RATE_FIELDS,
    RateReport,
    exchange_rate_clean,
    exchange_rate_create,
    exchange_rate_update,
    exchange_rates_add,
    exchange_rates_import,
)
from .retention import guests_activity, guests_retention_anonymise
from .stay_rows import (
    ROW_FIELDS,
    STAY_FIELDS,
    StayRowContext,
    StayRowError,
    stay_row_clean,
    stay_row_fill,
    stay_rows_clean,
)
from .stays import (
    MAX_BATCH,
    BatchError,
    StayBatchError,
    StayRowResult,
    StayUpsertReport,
    stay_update,
    stay_upsert,
    stays_keep_rates,
    stays_save,
    stays_upsert,
)

__all__ = [
    "INVENTORY_FIELDS",
    "BatchError",
    "RATE_FIELDS",
    "RateReport",
    "exchange_rate_clean",
    "exchange_rate_create",
    "exchange_rate_update",
    "exchange_rates_add",
    "exchange_rates_import",
    "room_inventory_add",
    "room_inventory_clean",
    "room_inventory_update",
    "ERASED_NAME",
    "GUEST_FIELDS",
    "MAX_BATCH",
    "MERGE_FILL_FIELDS",
    "NAME_FIELDS",
    "PROPERTY_FIELDS",
    "ROW_FIELDS",
    "STAY_FIELDS",
    "StayBatchError",
    "StayRowContext",
    "StayRowError",
    "StayRowResult",
    "StayUpsertReport",
    "consent_input_clean",
    "consent_record",
    "guest_check_writable",
    "PossibleDuplicate",
    "guest_create",
    "guest_edit_differences",
    "guest_data_clean",
    "guest_erase",
    "guest_export",
    "guest_merge",
    "guest_merge_undo",
    "guest_note_add",
    "guest_note_deactivate",
    "guest_update",
    "guests_activity",
    "guests_retention_anonymise",
    "merge_cluster_ids",
    "preference_remove",
    "preference_set",
    "property_create",
    "property_data_clean",
    "property_update",
    "stay_row_clean",
    "stay_row_fill",
    "stay_rows_clean",
    "stay_update",
    "stay_upsert",
    "stays_keep_rates",
    "stays_save",
    "stays_upsert",
    "tables_analyze",
]
