from django.utils.translation import gettext_lazy as _

from crm_site.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Care list"), "care:care-list", "care.view_caretask", order=60),
    NavItem(_("Win-back worklist"), "care:worklist", "care.change_churnwarning", order=62),
    NavItem(_("Lost guests"), "care:lost", "care.view_lost_analysis", order=64),
    NavItem(_("Surveys"), "care:surveys", "care.view_staysurvey", order=66),
]
