from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outbound e-mail")

    def ready(self):
        from crm_site.extensions import PersonalData, register

        from . import services

        register(PersonalData(key="outbox", order=990, erase=services.emails_erase_for_guests))
