from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class CrmSiteConfig(AppConfig):
    name = "crm_site"
    verbose_name = "CRM site"

    def ready(self):
        from . import checks, lookups, roles, timezones  # noqa: F401 - checks registers the settings checks
        from .extensions import PersonalData, register
        from .idempotency import idempotency_records_erase

        lookups.register()  # field__in_ids
        self._forget_cached_permissions()
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="crm_site.sync_roles")
        user_logged_in.connect(timezones.remember_user_zone, dispatch_uid="crm_site.remember_user_zone")
        # Stored API answers may repeat a guest's name, e-mail, phone or notes.
        register(PersonalData(key="idempotency", order=980, erase=idempotency_records_erase))

    @staticmethod
    def _forget_cached_permissions() -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import session_perms

        user = get_user_model()
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(
                session_perms.forget_all, sender=through, dispatch_uid=f"crm_site.forget_perms.{through}"
            )
        post_save.connect(session_perms.forget_user, sender=user, dispatch_uid="crm_site.forget_perms.user")
        post_delete.connect(session_perms.forget_all, sender=Group, dispatch_uid="crm_site.forget_perms.group")


class CrmAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the CRM's site: every change made in it is audited
    (``crm_site.admin_site``)."""

    default = False  # crm_site's own config stays the default of this module
    default_site = "crm_site.admin_site.CrmAdminSite"
