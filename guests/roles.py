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
    "guests.view_consententry",
]
_EDIT_PROFILE = [
    "guests.add_guest",
    "guests.change_guest",
    "guests.add_guestpreference",
    "guests.change_guestpreference",
    "guests.delete_guestpreference",
    "guests.add_guestnote",
    "guests.change_guestnote",
    "guests.add_consententry",
]
_STAYS = ["guests.add_stay", "guests.change_stay", "guests.import_stays"]
# Amounts (crm_site.revenue): sales, chain admins and both integrator tokens (the
# read-only one is the BI feed); never the front desk or guest relations.
_REVENUE = ["guests.view_revenue"]

ROLE_PERMISSIONS = {
    FRONT_DESK: _READ + _EDIT_PROFILE + ["guests.add_stay", "guests.change_stay"],
    GUEST_RELATIONS: _READ + _EDIT_PROFILE,
    SALES_MANAGER: _READ + _REVENUE + ["guests.change_company", "guests.add_company", "guests.export_guest"],
    CHAIN_ADMIN: _READ
    + _REVENUE
    + _EDIT_PROFILE
    + _STAYS
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
    INTEGRATOR: _READ + _REVENUE + _EDIT_PROFILE + _STAYS,
    INTEGRATOR_READONLY: _READ + _REVENUE,
}

# Objects that belong to a hotel, with the lookup to it (crm_site.scope).
PROPERTY_SCOPE = {"guests.Stay": "property"}
# Point at a property but belong to the whole chain (the single customer view).
CHAIN_WIDE = {
    "guests.GuestNote": "a note or alert is part of the chain-wide profile; its property says where it was written",
    "guests.GuestPreference": "a preference is shown at every hotel; its property says where it was learnt",
    "guests.StaffProfile": "the staff's home properties are the scope itself",
}
# Amounts shown only with guests.view_revenue (crm_site.revenue).
REVENUE_FIELDS = {"guests.Stay": ("room_revenue", "fnb_revenue", "other_revenue", "total_revenue")}
