"""The audit log read back for chain admins (page and API share the filters in
``guests.filtersets.AuditEventFilterSet``) and for one guest's own trail."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    """Every event, latest first, with the actor (one query per page)."""
    return AuditEvent.objects.select_related("actor").order_by("-at", "-id")


def audit_events(*, guest_id: int, limit: int = 500) -> list[AuditEvent]:
    """One guest's trail, latest first."""
    return list(audit_event_list().filter(guest_ref=guest_id)[:limit])
