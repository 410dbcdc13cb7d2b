"""Service-level targets: how fast a complaint must get a first response and a resolution.

Defaults follow the chain's policy (critical 1 h / 4 h, high 2 h / 12 h, medium and low
4 h / 24 h).  ``settings.COMPLAINT_SLA`` may override any severity, e.g.::

    COMPLAINT_SLA = {"critical": {"first_response": 0.5, "resolution": 2}}  # hours

Values are hours (int/float) or ``datetime.timedelta``; severities left out keep the
defaults.  A malformed setting fails loudly instead of silently missing deadlines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import ComplaintSeverity

DEFAULT_SLA: dict[str, dict[str, float]] = {
    ComplaintSeverity.CRITICAL: {"first_response": 1, "resolution": 4},
    ComplaintSeverity.HIGH: {"first_response": 2, "resolution": 12},
    ComplaintSeverity.MEDIUM: {"first_response": 4, "resolution": 24},
    ComplaintSeverity.LOW: {"first_response": 4, "resolution": 24},
}


@dataclass(frozen=True)
class SlaTarget:
    first_response: dt.timedelta
    resolution: dt.timedelta


def _as_timedelta(value, where: str) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        result = dt.timedelta(hours=value)
    else:
        raise ImproperlyConfigured(f"COMPLAINT_SLA[{where}] must be hours (a number) or a timedelta, not {value!r}")
    if result <= dt.timedelta(0):
        raise ImproperlyConfigured(f"COMPLAINT_SLA[{where}] must be positive")
    return result


def sla_table() -> dict[str, SlaTarget]:
    configured = getattr(settings, "COMPLAINT_SLA", DEFAULT_SLA)
    if not isinstance(configured, dict):
        raise ImproperlyConfigured("COMPLAINT_SLA must be a dict keyed by severity")
    unknown = set(configured) - set(ComplaintSeverity.values)
    if unknown:
        raise ImproperlyConfigured(f"COMPLAINT_SLA has unknown severities: {sorted(unknown)}")
    table = {}
    for severity in ComplaintSeverity.values:
        values = {**DEFAULT_SLA[severity], **configured.get(severity, {})}
        first = _as_timedelta(values["first_response"], f"{severity}.first_response")
        resolution = _as_timedelta(values["resolution"], f"{severity}.resolution")
        if first > resolution:
            raise ImproperlyConfigured(f"COMPLAINT_SLA[{severity}]: first response must not come after resolution")
        table[severity] = SlaTarget(first_response=first, resolution=resolution)
    return table


def sla_for(severity: str) -> SlaTarget:
    return sla_table()[severity]


def deadlines(*, severity: str, received_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) for a complaint received at ``received_at``."""
    target = sla_for(severity)
    return received_at + target.first_response, received_at + target.resolution
