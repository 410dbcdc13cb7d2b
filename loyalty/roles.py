"""Who may do what in the loyalty programme.

Front desk and guest relations view, enrol, redeem and file missing-points claims;
guest relations also decide claims.  Only chain administrators adjust balances and edit
tiers and rewards.  The PMS integrator reads, enrols and posts earned points.
"""

from crm_site.roles import (
    CHAIN_ADMIN,
    FRONT_DESK,
    GUEST_RELATIONS,
    INTEGRATOR,
    INTEGRATOR_READONLY,
    SALES_MANAGER,
)

_READ = [
    "loyalty.view_tier",
    "loyalty.view_membership",
    "loyalty.view_pointstransaction",
    "loyalty.view_reward",
    "loyalty.view_redemption",
    "loyalty.view_missingpointsclaim",
    "loyalty.view_tierchange",
]
_DESK = [
    "loyalty.add_membership",
    "loyalty.redeem_points",
    "loyalty.add_missingpointsclaim",
]

ROLE_PERMISSIONS = {
    FRONT_DESK: _READ + _DESK,
    GUEST_RELATIONS: _READ + _DESK + ["loyalty.decide_claim"],
    SALES_MANAGER: list(_READ),
    CHAIN_ADMIN: _READ
    + _DESK
    + [
        "loyalty.decide_claim",
        "loyalty.adjust_points",
        "loyalty.earn_points",
        "loyalty.change_tier",
        "loyalty.add_reward",
        "loyalty.change_reward",
    ],
    INTEGRATOR: _READ + ["loyalty.earn_points", "loyalty.add_membership"],
    INTEGRATOR_READONLY: list(_READ),
}
