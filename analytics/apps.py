from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from crm_site.extensions import register_guest_section

        from . import guest_sections

        for section in guest_sections.SECTIONS:
            register_guest_section(section)
