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

ROLE_PERMISSIONS = {
    FRONT_DESK: _READ + _EDIT_PROFILE + ["guests.add_stay", "guests.change_stay"],
    GUEST_RELATIONS: _READ + _EDIT_PROFILE,
    SALES_MANAGER: _READ + ["guests.export_guest"],
    CHAIN_ADMIN: _READ
    + _EDIT_PROFILE
    + _STAYS
    + [
        "guests.add_property",
        "guests.change_property",
        "guests.add_preferencetype",
        "guests.change_preferencetype",
        "guests.merge_guest",
        "guests.export_guest",
        "guests.erase_guest",
        "guests.view_staffprofile",
        "guests.view_auditevent",
        "guests.change_staffprofile",
    ],
    INTEGRATOR: _READ + _EDIT_PROFILE + _STAYS,
    INTEGRATOR_READONLY: list(_READ),
}
