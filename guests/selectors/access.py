"""Who and what a viewer works with: active guests, home properties.  (Consents:
``guests.selectors.consent``.)"""

from __future__ import annotations

from django.db.models import QuerySet

from crm_site.roles import is_chain_wide

from ..models import Guest, Property


def active_guests() -> QuerySet[Guest]:
    return Guest.objects.active()


def visible_properties(user) -> QuerySet[Property]:
    """Properties a staff user works with: all for chain-wide roles, else home ones."""
    if is_chain_wide(user):
        return Property.objects.filter(is_active=True)
    return Property.objects.filter(is_active=True, staff__user=user)
