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
    SALES_MANAGER: _READ + _REVENUE + _REVENUE_REFERENCE_READ + ["guests.export_guest"],
    CHAIN_ADMIN: _READ
    + _REVENUE
    + _EDIT_PROFILE
    + _STAYS
    + _REVENUE_REFERENCE_READ
    + _REVENUE_REFERENCE_WRITE
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
    INTEGRATOR: _READ + _REVENUE + _EDIT_PROFILE + _STAYS + _REVENUE_REFERENCE_READ,
    INTEGRATOR_READONLY: _READ + _REVENUE + _REVENUE_REFERENCE_READ,
}

# Objects that belong to a hotel, with the lookup to it (crm_site.scope).
PROPERTY_SCOPE = {"guests.Stay": "property"}
# Point at a property but belong to the whole chain (the single customer view).
CHAIN_WIDE = {
    "guests.GuestNote": "a note or alert is part of the chain-wide profile; its property says where it was written",
    "guests.GuestPreference": "a preference is shown at every hotel; its property says where it was learnt",
    "guests.StaffProfile": "the staff's home properties are the scope itself",
    "guests.RoomInventory": "rooms to sell are reference data of the hotel, kept by chain admins",
}
# Amounts shown only with guests.view_revenue (crm_site.revenue).
REVENUE_FIELDS = {
    "guests.Stay": (
        "room_revenue",
        "fnb_revenue",
        "other_revenue",
        "total_revenue",
        "adr",
        "lost_revenue",
        "lost_revenue_chain",
        "exchange_rate",
    )
}
# Decimal fields that are not revenue.
OPERATIONAL_AMOUNTS = {"guests.ExchangeRate.rate": "reference data: units of chain currency per unit, not money"}
