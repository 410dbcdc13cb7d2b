from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Accounts"), "accounts:list", "accounts.view_account", order=70),
    NavItem(_("Roadmap board"), "accounts:board", "accounts.view_account", order=71),
    NavItem(_("Sales agenda"), "accounts:agenda", "accounts.change_account", order=72),
    NavItem(_("Account levels"), "accounts:levels", "accounts.view_account", order=73),
    NavItem(_("Expiring agreements"), "accounts:agreement-alerts", "accounts.view_account", order=74),
    NavItem(_("Sales dashboard"), "accounts:sales", "guests.view_revenue", order=75),
    NavItem(_("Scorecards"), "accounts:scorecards", "accounts.change_account", order=76),
]
