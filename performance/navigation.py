from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Hotel performance"), "performance:production", "performance.view_reports", order=55),
]
