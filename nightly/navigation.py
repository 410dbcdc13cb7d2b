from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Nightly jobs"), "nightly:runs", "nightly.view_nightlyrun", order=95),
]
