"""Staff roles are Django groups; each app says which of its permissions a role holds.

An app declares ``ROLE_PERMISSIONS = {role: ["app_label.codename", ...]}`` in its own
``roles.py``; :func:`sync_roles` gathers them all after every migrate, so adding a
permission to a role is a one-line change in the app that owns it.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.utils.translation import gettext_lazy as _

FRONT_DESK = "front_desk"
GUEST_RELATIONS = "guest_relations"
SALES_MANAGER = "sales_manager"
CHAIN_ADMIN = "chain_admin"
INTEGRATOR = "integrator"
INTEGRATOR_READONLY = "integrator_readonly"

ROLES = {
    FRONT_DESK: _("Front desk"),
    GUEST_RELATIONS: _("Guest relations"),
    SALES_MANAGER: _("Sales manager"),
    CHAIN_ADMIN: _("Chain administrator"),
    INTEGRATOR: _("Integrator (read-write)"),
    INTEGRATOR_READONLY: _("Integrator (read-only)"),
}

# Roles that see every property; the others work with the objects of their home properties
# only (crm_site.scope).
CHAIN_WIDE_ROLES = {SALES_MANAGER, CHAIN_ADMIN, INTEGRATOR, INTEGRATOR_READONLY}

# Service accounts: they use the API with a token and never the web pages.
API_ONLY_ROLES = {INTEGRATOR, INTEGRATOR_READONLY}


def app_declarations(name: str) -> list[dict]:
    """The ``name`` dict of every app's ``roles.py`` (``ROLE_PERMISSIONS``,
    ``PROPERTY_SCOPE``, ``REVENUE_FIELDS`` ...), in app order."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.roles":
                raise
            continue
        found.append(getattr(module, name, {}))
    return found


def role_permissions() -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {role: set() for role in ROLES}
    for declared in app_declarations("ROLE_PERMISSIONS"):
        for role, perms in declared.items():
            merged.setdefault(role, set()).update(perms)
    return merged


def sync_roles() -> None:
    """Create the role groups and give each exactly the permissions the apps declare."""
    from django.contrib.auth.models import Group, Permission

    wanted = role_permissions()
    all_codes = {code for codes in wanted.values() for code in codes}
    by_code = {}
    for perm in Permission.objects.select_related("content_type").filter(
        codename__in={c.split(".", 1)[1] for c in all_codes}
    ):
        by_code[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    for role, codes in wanted.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([by_code[c] for c in codes if c in by_code])


def sync_roles_after_migrate(sender, using="default", **kwargs):
    # post_migrate fires once per app; the last call sees every permission.
    sync_roles()


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_crm_roles", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._crm_roles = cache
    return cache


def is_chain_wide(user) -> bool:
    return user.is_superuser or bool(user_roles(user) & CHAIN_WIDE_ROLES)


def is_api_only(user) -> bool:
    """An integrator (service) account: API with a token only, whatever other role it holds."""
    return bool(user_roles(user) & API_ONLY_ROLES)
