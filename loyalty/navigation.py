from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Members"), "loyalty:members", "loyalty.view_membership", order=40),
    NavItem(_("Points claims"), "loyalty:claims", "loyalty.view_missingpointsclaim", order=45),
    NavItem(_("Tier rules"), "loyalty:tiers", "loyalty.view_tier", order=90),
]
