from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Guest care and retention")

    def ready(self):
        from crm_site.extensions import GuestSection, MergeHandler, PersonalData, register
        from guests.signals import stays_upserted

        from . import guest_section, receivers, services

        register(
            GuestSection(
                key="care",
                order=60,
                profile=guest_section.guest_care_profile,
                template="care/_guest_section.html",
                badges=guest_section.churn_badges,
                # The section's warnings are the viewer's properties'; the badge is the chain's.
                profile_badges=guest_section.churn_badges_from_section,
                profile_badges_chain_wide_only=True,
                permission="care.view_churnwarning",
            ),
            MergeHandler(key="care", order=60, move=services.merge_move, restore=services.merge_restore),
            PersonalData(key="care", order=60, erase=services.care_erase_guests, activity=services.care_activity),
        )
        stays_upserted.connect(receivers.close_returned_warnings, dispatch_uid="care.close_returned_warnings")
