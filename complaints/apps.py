from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from crm_site.extensions import GuestSection, MergeHandler, PersonalData, register

        from . import selectors, services

        register(
            GuestSection(
                key="complaints",
                order=40,
                profile=selectors.guest_section_profile,
                template="complaints/_guest_section.html",
                badges=selectors.open_complaint_badges,
                profile_badges=selectors.open_complaint_badges_from_section,
                permission="complaints.view_complaint",
            ),
            MergeHandler(
                key="complaints",
                order=40,
                move=services.complaints_move_guest,
                restore=services.complaints_restore_guest,
            ),
            PersonalData(
                key="complaints",
                order=40,
                erase=services.complaints_erase_guests,
                activity=services.complaints_activity,
            ),
        )
