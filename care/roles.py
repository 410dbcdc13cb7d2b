"""Who does what in guest care.

* sales managers (and salespeople) work the churn worklist, assign it, see the lost-guest
  analysis and the care list of every property;
* guest relations and the front desk see the care list of their properties, mark items
  done and record surveys; they see churn warnings read-only (the badge at check-in);
* chain administrators may do everything, including editing the care e-mail templates;
* integrators read warnings, care items and surveys; the read-write token may post
  surveys from a survey tool.
"""

from crm_site.roles import (
    CHAIN_ADMIN,
    FRONT_DESK,
    GUEST_RELATIONS,
    INTEGRATOR,
    INTEGRATOR_READONLY,
    SALES_MANAGER,
)

_SEE = [
    "care.view_churnwarning",
    "care.view_caretask",
    "care.view_staysurvey",
    "care.view_contactlog",
]
_CARE_DESK = _SEE + ["care.change_caretask", "care.add_staysurvey"]
_SALES = _CARE_DESK + [
    "care.export_caretask",
    "care.change_churnwarning",
    "care.assign_churnwarning",
    "care.view_lost_analysis",
    "care.view_churnscan",
    "care.view_careemailtemplate",
    "care.change_careemailtemplate",
]
_ADMIN = _SALES + [
    "care.add_careemailtemplate",
    "care.delete_careemailtemplate",
    "care.change_staysurvey",
    "care.delete_staysurvey",
]

ROLE_PERMISSIONS = {
    FRONT_DESK: list(_CARE_DESK),
    GUEST_RELATIONS: list(_CARE_DESK),
    SALES_MANAGER: list(_SALES),
    CHAIN_ADMIN: list(_ADMIN),
    INTEGRATOR: _SEE + ["care.add_staysurvey"],
    INTEGRATOR_READONLY: list(_SEE),
}

# Objects that belong to a hotel, with the lookup to it (crm_site.scope).  A churn warning
# belongs to the hotel of the guest's last stay; a care item without a hotel is for
# chain-wide staff only.
PROPERTY_SCOPE = {
    "care.CareTask": "property",
    "care.ChurnWarning": "last_property",
    "care.StaySurvey": "stay__property",
}
CHAIN_WIDE = {
    "care.ContactLog": "the contact history belongs to the guest's chain-wide profile (no hotel contacts twice)",
}
