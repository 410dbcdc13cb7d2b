from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from crm_site.extensions import GuestSection, MergeHandler, register_guest_section, register_merge_handler
        from guests.signals import guest_erased

        from . import selectors, services

        register_guest_section(
            GuestSection(
                key="complaints",
                order=40,
                profile=selectors.guest_section_profile,
                template="complaints/_guest_section.html",
                badges=selectors.open_complaint_badges,
                permission="complaints.view_complaint",
            )
        )
        register_merge_handler(
            MergeHandler(
                key="complaints",
                order=40,
                move=services.complaints_move_guest,
                restore=services.complaints_restore_guest,
            )
        )
        guest_erased.connect(services.complaints_scrub_guest, dispatch_uid="complaints.scrub_guest")
