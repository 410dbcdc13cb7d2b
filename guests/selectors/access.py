"""Who and what a viewer works with: active guests, home properties.  (Consents:
``guests.selectors.consent``.)"""

from __future__ import annotations

from django.db.models import QuerySet

from crm_site import scope

from ..models import Guest, Property


def active_guests() -> QuerySet[Guest]:
    return Guest.objects.active()


def visible_properties(user) -> QuerySet[Property]:
    """Properties a staff user works with: all for chain-wide roles, else home ones
    (``crm_site.scope.properties``)."""
    return scope.properties(user)
