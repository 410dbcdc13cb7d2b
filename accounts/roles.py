"""Who does what with key accounts.

* ``salesperson`` (a role this app adds; give it to the property salespeople, whose staff
  profile is flagged ``is_salesperson``): sees every account read-only; creates accounts
  (owning them), and changes the accounts they own or sit on the team of — details,
  level, plan, contacts, roadmap, activities, agreements.  Reads guest profiles to link
  contacts.
* sales managers act as the director of sales (``direct_sales``): every account, owner
  reassignment (handover), merges, the roadmap stages and expected-value drivers.
* chain administrators: as the director of sales.
* integrators read accounts and vocabularies through the API (the old
  ``/api/v1/companies/`` read access).
* salespeople see revenue (``guests.view_revenue``): production and scorecards are
  measured in it; their scorecard is their own, the director's every salesperson's, and
  only the director sets targets (``direct_sales``).
* the front desk and guest relations have no account pages: they see a guest's company
  name on the guest's profile and may link a traveller to an account in the guest form.
"""

from crm_site.roles import CHAIN_ADMIN, INTEGRATOR, INTEGRATOR_READONLY, SALES_MANAGER

SALESPERSON = "salesperson"

_READ = [
    "accounts.view_account",
    "accounts.view_valuedriver",
    "accounts.view_roadmapstage",
    "accounts.view_roadmapmilestone",
]
_SELL = _READ + ["accounts.add_account", "accounts.change_account"]
_DIRECT = _SELL + [
    "accounts.direct_sales",
    "accounts.merge_account",
    "accounts.add_valuedriver",
    "accounts.change_valuedriver",
    "accounts.add_roadmapstage",
    "accounts.change_roadmapstage",
    "accounts.add_roadmapmilestone",
    "accounts.change_roadmapmilestone",
]

ROLE_PERMISSIONS = {
    # Salespeople are measured on revenue: they see the production of accounts and stays.
    SALESPERSON: _SELL + ["guests.view_guest", "guests.view_property", "guests.view_revenue"],
    SALES_MANAGER: list(_DIRECT),
    CHAIN_ADMIN: list(_DIRECT),
    INTEGRATOR: list(_READ),
    INTEGRATOR_READONLY: list(_READ),
}

# Key accounts belong to the whole chain: who may change one is the account's own rule
# (owner, team, the director of sales — ``accounts.selectors.access``), not the hotel of
# the person asking.  What names a hotel under an account says which hotel it is about.
CHAIN_WIDE = {
    "accounts.AccountTeamMember": "a team member's property says which hotel they sell for; the team is the account's",
    "accounts.Activity": "an activity belongs to the chain-wide account; its property says where it takes place",
    "accounts.Agreement": (
        "an agreement is negotiated by the account's owner and team for the chain; its property says where "
        "the rate applies"
    ),
}
# Negotiated terms are commercial, not guest revenue: the salespeople who negotiate them
# must see them whatever their revenue permission, and the roles without revenue
# (front desk, guest relations) have no account pages or API at all.
OPERATIONAL_AMOUNTS = {
    "accounts.AccountPlan.share_of_wallet": "an estimate (%) of the account's travel the chain wins, a planning figure",
    "accounts.Agreement.rate_amount": "a negotiated rate per night (a price term of the contract), not revenue earned",
    "accounts.Agreement.discount_percent": "a negotiated discount (a percentage term of the contract)",
    "accounts.Agreement.commission_percent": "an agency's commission rate (a percentage term of the contract)",
}
# Sales performance: a salesperson's monthly revenue target is a revenue figure.
REVENUE_FIELDS = {"accounts.SalesTarget": ("revenue",)}
