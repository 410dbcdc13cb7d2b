from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Customer pyramid"), "analytics:dashboard", "analytics.view_dashboard", order=50),
]
