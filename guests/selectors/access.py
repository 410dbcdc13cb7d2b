"""Who and what a viewer works with: active guests, consents, home properties."""

from __future__ import annotations

from django.db.models import QuerySet

from crm_site import scope

from ..models import Guest, Property


def active_guests() -> QuerySet[Guest]:
    return Guest.objects.active()


CONSENT_FIELDS = {"marketing_email": "marketing_email_consent", "marketing_sms": "marketing_sms_consent"}


def guest_has_consent(*, guest_id: int, purpose: str) -> bool:
    """Whether the guest (not erased, not merged away) currently consents to ``purpose``."""
    field = CONSENT_FIELDS.get(purpose)
    if field is None:
        return False
    return Guest.objects.identified().filter(pk=guest_id, **{field: True}).exists()


def visible_properties(user) -> QuerySet[Property]:
    """Properties a staff user works with: all for chain-wide roles, else home ones
    (``crm_site.scope.properties``)."""
    return scope.properties(user)
