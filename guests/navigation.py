from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Guest search"), "guests:search", "guests.view_guest", order=10),
    NavItem(_("Arrivals"), "guests:arrivals", "guests.view_stay", order=20),
    NavItem(_("Audit log"), "guests:audit-log", "guests.view_auditevent", order=90),
    NavItem(_("Rooms to sell"), "guests:inventory", "guests.add_roominventory", order=92),
]
