from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Guest care and retention")

    def ready(self):
        from crm_site.extensions import GuestSection, MergeHandler, register_guest_section, register_merge_handler
        from guests.signals import guest_erased, stays_upserted

        from . import receivers, selectors, services

        register_guest_section(
            GuestSection(
                key="care",
                order=60,
                profile=selectors.guest_care_profile,
                template="care/_guest_section.html",
                badges=selectors.churn_badges,
                permission="care.view_churnwarning",
            )
        )
        stays_upserted.connect(receivers.close_returned_warnings, dispatch_uid="care.close_returned_warnings")
        guest_erased.connect(receivers.scrub_erased_guest, dispatch_uid="care.scrub_erased_guest")
        register_merge_handler(
            MergeHandler(key="care", order=60, move=services.merge_move, restore=services.merge_restore)
        )
