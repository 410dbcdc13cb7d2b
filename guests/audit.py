"""Recording audit events.  Called by services (changes) and by views (viewing), so every
channel (page, API, import) leaves the same trace."""

from __future__ import annotations

from .models import AuditEvent


def record(*, guest, action: str, by=None, channel: str = "web", **details) -> AuditEvent:
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        guest=guest, guest_ref=guest.pk, action=action, actor=actor, channel=channel, details=details
    )
