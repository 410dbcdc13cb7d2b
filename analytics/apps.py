from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from crm_site.extensions import register

        from . import guest_sections

        register(*guest_sections.SECTIONS)
