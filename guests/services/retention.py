"""Retention: a guest with no stay and no activity for ``RETENTION_ANONYMISE_AFTER_DAYS``
is anonymised by the daily task, exactly as an erasure request would (the whole merge
cluster, recorded with the trigger ``retention``).  Off (0) by default.

Activity is what the guest did with the chain, not what staff looked at: a stay
departing after the cutoff (or still to come), a profile change, a note, a preference,
a consent statement — and what every other app reports through its registered
``PersonalData.activity`` (points, complaints, contacts, surveys …).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from crm_site.extensions import personal_data_holders
from crm_site.parsing import as_of_date

from ..models import ConsentEntry, Guest, GuestNote, GuestPreference, Stay
from .erasure import guest_erase

logger = logging.getLogger(__name__)
BATCH = 500


def retention_days() -> int:
    days = getattr(settings, "RETENTION_ANONYMISE_AFTER_DAYS", 0)
    return days if isinstance(days, int) and days > 0 else 0


def guests_activity(since: dt.datetime) -> list:
    """``PersonalData.activity`` of the guests app: notes, preferences, consents."""
    return [
        GuestNote.objects.filter(created_at__gte=since).values_list("guest_id", flat=True),
        GuestPreference.objects.filter(created_at__gte=since).values_list("guest_id", flat=True),
        ConsentEntry.objects.filter(at__gte=since).values_list("guest_id", flat=True),
    ]


def retention_candidates(*, as_of: dt.date, days: int) -> list[int]:
    """Identified guests created, changed and staying before the cutoff, with no
    activity since in any app (ids, oldest first)."""
    cutoff_day = as_of - dt.timedelta(days=days)
    since = timezone.make_aware(dt.datetime.combine(cutoff_day, dt.time.min))
    recent_stay = Stay.objects.filter(guest_id=OuterRef("pk"), departure_date__gte=cutoff_day)
    candidates = (
        Guest.objects.identified().filter(created_at__lt=since, updated_at__lt=since).exclude(Exists(recent_stay))
    )
    for holder in personal_data_holders():
        for active in holder.activity(since) if holder.activity is not None else ():
            candidates = candidates.exclude(pk__in=active)
    return list(candidates.order_by("pk").values_list("pk", flat=True))


def guests_retention_anonymise(*, as_of: dt.date | str | None = None, limit: int = BATCH) -> dict:
    """Anonymise up to ``limit`` inactive guests (the next run takes the rest).
    Idempotent: an anonymised guest is never a candidate again."""
    days = retention_days()
    as_of = as_of_date(as_of)
    if not days:
        return {"enabled": False, "as_of": as_of.isoformat(), "anonymised": 0}
    anonymised = 0
    for guest_id in retention_candidates(as_of=as_of, days=days)[:limit]:
        guest_erase(
            guest_id=guest_id,
            reference=f"retention: no stay or activity for {days} days",
            by=None,
            channel="system",
            trigger="retention",
        )
        anonymised += 1
    logger.info("retention on %s: %d guest(s) anonymised after %d days", as_of, anonymised, days)
    return {"enabled": True, "as_of": as_of.isoformat(), "days": days, "anonymised": anonymised}
