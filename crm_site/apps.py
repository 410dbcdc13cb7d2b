from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmSiteConfig(AppConfig):
    name = "crm_site"
    verbose_name = "CRM site"

    def ready(self):
        from . import checks, roles  # noqa: F401 - checks registers the settings checks

        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="crm_site.sync_roles")
