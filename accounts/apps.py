from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Key accounts")

    def ready(self):
        from django.db.models.signals import post_migrate

        from crm_site.extensions import MergeHandler, PersonalData, register

        from . import services, vocabulary

        post_migrate.connect(vocabulary.ensure_defaults, sender=self, dispatch_uid="accounts.vocabulary")
        register(
            MergeHandler(
                key="accounts",
                order=70,
                move=services.contacts_move_guest,
                restore=services.contacts_restore_guest,
            ),
            PersonalData(
                key="accounts",
                order=70,
                erase=services.contacts_erase_guests,
                export=services.contacts_export_guest,
            ),
        )
