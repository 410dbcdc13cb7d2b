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

# Sales performance: a target's revenue is revenue (kept beside any other declaration).
REVENUE_FIELDS = {**globals().get("REVENUE_FIELDS", {}), "accounts.SalesTarget": ("revenue",)}
