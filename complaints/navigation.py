from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Complaints"), "complaints:queue", "complaints.view_complaint", order=40),
    NavItem(_("My complaints"), "complaints:my-queue", "complaints.handle_complaint", order=41),
    NavItem(_("Log complaint"), "complaints:create", "complaints.add_complaint", order=42),
    NavItem(_("Complaint analysis"), "complaints:analysis", "complaints.view_complaint_analysis", order=43),
]
