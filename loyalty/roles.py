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

# Objects that belong to a hotel, with the lookup to it (crm_site.scope): a claim is
# filed, listed and decided at the hotel of the missing stay.
PROPERTY_SCOPE = {"loyalty.MissingPointsClaim": "property"}
CHAIN_WIDE = {
    "loyalty.PointsTransaction": "the ledger belongs to the chain-wide membership",
    "loyalty.StayCredit": "what a stay earned belongs to the chain-wide membership",
}
# A member's qualifying spend is revenue (crm_site.revenue); so are the sentences that
# quote it (earn reasons, tier reasons).
REVENUE_FIELDS = {
    "loyalty.StayCredit": ("eligible_revenue", "qualifying_spend"),
    "loyalty.TierChange": ("spend",),
}
REVENUE_TEXT = {
    "loyalty.PointsTransaction": ("reason",),
    "loyalty.Membership": ("tier_reason",),
    "loyalty.TierChange": ("reason",),
}
OPERATIONAL_AMOUNTS = {
    "loyalty.Tier.qualifying_spend": "a programme threshold, published to members",
    "loyalty.Tier.earn_multiplier": "a factor, not money",
    "loyalty.StayCredit.exchange_rate": "a rate, not money",
    "loyalty.StayCredit.earn_multiplier": "a factor, not money",
}
