from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuestsConfig(AppConfig):
    name = "guests"
    verbose_name = _("Guests")

    def ready(self):
        from django.db.models.signals import post_migrate

        from crm_site.extensions import GuestSection, PersonalData, register

        from . import money, selectors, services, vocabulary

        post_migrate.connect(vocabulary.ensure_default_vocabulary, sender=self, dispatch_uid="guests.vocabulary")
        post_migrate.connect(money.seed_rates, sender=self, dispatch_uid="guests.seed_rates")

        register(
            GuestSection(
                key="consents",
                order=5,
                profile=selectors.consent_section,
                template="guests/_consent_section.html",
                permission="guests.view_consententry",
            ),
            GuestSection(
                key="duplicates",
                order=900,
                profile=selectors.duplicates_section,
                template="guests/_duplicates_section.html",
                permission="guests.merge_guest",
            ),
            # The profile, preferences, notes, stays and consents are erased by
            # guests.services.erasure itself; this says what counts as the guest's activity.
            PersonalData(key="guests", order=0, activity=services.guests_activity),
        )
