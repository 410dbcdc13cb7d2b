from crm_site.roles import (
    CHAIN_ADMIN,
    FRONT_DESK,
    GUEST_RELATIONS,
    INTEGRATOR,
    INTEGRATOR_READONLY,
    SALES_MANAGER,
)

_READ = [
    "guests.view_guest",
    "guests.view_stay",
    "guests.view_property",
    "guests.view_guestpreference",
    "guests.view_preferencetype",
    "guests.view_guestnote",
    "guests.view_company",
]
_EDIT_PROFILE = [
    "guests.add_guest",
    "guests.change_guest",
    "guests.add_guestpreference",
    "guests.change_guestpreference",
    "guests.delete_guestpreference",
    "guests.add_guestnote",
    "guests.change_guestnote",
]
_STAYS = ["guests.add_stay", "guests.change_stay", "guests.import_stays"]
# Rates and rooms to sell: chain admins keep them; sales and integrations read them.
_REVENUE_REFERENCE_READ = ["guests.view_exchangerate", "guests.view_roominventory"]
_REVENUE_REFERENCE_WRITE = [
    "guests.add_exchangerate",
    "guests.change_exchangerate",
    "guests.add_roominventory",
    "guests.change_roominventory",
]

ROLE_PERMISSIONS = {
    FRONT_DESK: _READ + _EDIT_PROFILE + ["guests.add_stay", "guests.change_stay"],
    GUEST_RELATIONS: _READ + _EDIT_PROFILE,
    SALES_MANAGER: _READ
    + _REVENUE_REFERENCE_READ
    + ["guests.change_company", "guests.add_company", "guests.export_guest"],
    CHAIN_ADMIN: _READ
    + _EDIT_PROFILE
    + _STAYS
    + _REVENUE_REFERENCE_READ
    + _REVENUE_REFERENCE_WRITE
    + [
        "guests.add_property",
        "guests.change_property",
        "guests.add_preferencetype",
        "guests.change_preferencetype",
        "guests.add_company",
        "guests.change_company",
        "guests.merge_guest",
        "guests.export_guest",
        "guests.erase_guest",
        "guests.view_staffprofile",
        "guests.view_auditevent",
        "guests.change_staffprofile",
    ],
    INTEGRATOR: _READ + _EDIT_PROFILE + _STAYS + _REVENUE_REFERENCE_READ,
    INTEGRATOR_READONLY: _READ + _REVENUE_REFERENCE_READ,
}
