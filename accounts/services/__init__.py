"""Writes and business rules of the key-account app, one module per sub-domain:

* ``accounts`` — create / update (names, type, group without cycles), external ids, team;
* ``handover`` — the director reassigns owners; open activities move in one transaction;
* ``levels`` — relationship levels with a dated, reasoned history;
* ``plan`` — discovery, expected-value scores, competitors, documents (links);
* ``contacts`` — the contacts map, contact-only erasure, the guest merge/erase hooks;
* ``roadmap`` — milestones (in order where the stage requires it) and the vocabularies;
* ``activities`` — plan, record, complete with a next step, cancel;
* ``agreements`` — negotiated rate codes per property, validity, status;
* ``merge`` — duplicate accounts merged and unmerged exactly;
* ``sales`` — accounts behind a source's agent / company ids (import attribution),
  linking a stay to an account, monthly sales targets, handling decline warnings.

Each validates first, writes in one transaction and raises ``DomainError`` naming the
field; ``by`` is the acting user (None: the system), whose scope each service checks.
"""

from .accounts import (
    ACCOUNT_FIELDS,
    account_create,
    account_data_clean,
    account_update,
    external_id_add,
    external_id_remove,
    team_member_add,
    team_member_remove,
)
from .activities import activity_cancel, activity_complete, activity_create, activity_update
from .agreements import AGREEMENT_FIELDS, agreement_create, agreement_update, agreements_expire
from .contacts import (
    CONTACT_FIELDS,
    contact_add,
    contact_erase,
    contact_remove,
    contact_update,
    contacts_erase_guests,
    contacts_export_guest,
    contacts_move_guest,
    contacts_restore_guest,
)
from .handover import Handover, account_handover
from .levels import account_level_change
from .merge import account_merge, account_merge_undo
from .plan import (
    PLAN_FIELDS,
    competitor_remove,
    competitor_save,
    document_add,
    document_remove,
    driver_score_remove,
    driver_scores_set,
    plan_update,
)
from .roadmap import driver_save, milestone_save, milestone_tick, milestone_untick, stage_save
from .sales import (
    HBD_AGENT,
    HBD_COMPANY,
    account_warning_handle,
    accounts_for_external_ids,
    sales_target_clean,
    sales_target_delete,
    sales_target_set,
    stay_account_link,
)

__all__ = [
    "HBD_AGENT",
    "HBD_COMPANY",
    "account_warning_handle",
    "accounts_for_external_ids",
    "sales_target_clean",
    "sales_target_delete",
    "sales_target_set",
    "stay_account_link",
    "ACCOUNT_FIELDS",
    "AGREEMENT_FIELDS",
    "CONTACT_FIELDS",
    "PLAN_FIELDS",
    "Handover",
    "account_create",
    "account_data_clean",
    "account_handover",
    "account_level_change",
    "account_merge",
    "account_merge_undo",
    "account_update",
    "activity_cancel",
    "activity_complete",
    "activity_create",
    "activity_update",
    "agreement_create",
    "agreement_update",
    "agreements_expire",
    "competitor_remove",
    "competitor_save",
    "contact_add",
    "contact_erase",
    "contact_remove",
    "contact_update",
    "contacts_erase_guests",
    "contacts_export_guest",
    "contacts_move_guest",
    "contacts_restore_guest",
    "document_add",
    "document_remove",
    "driver_save",
    "driver_score_remove",
    "driver_scores_set",
    "external_id_add",
    "external_id_remove",
    "milestone_save",
    "milestone_tick",
    "milestone_untick",
    "plan_update",
    "stage_save",
    "team_member_add",
    "team_member_remove",
]
