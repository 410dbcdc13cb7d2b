"""Compensation in points: posted to the loyalty ledger exactly once per complaint."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Complaint, ComplaintEvent
from .common import add_event, lock

logger = logging.getLogger(__name__)


def _loyalty_poster():
    """loyalty.services.points_post_compensation, or None while loyalty lacks it (the
    compensation is then recorded and posted by the periodic task once it exists)."""
    try:
        from loyalty.services import points_post_compensation
    except ImportError:
        logger.warning("loyalty.services.points_post_compensation is not available; compensation left pending")
        return None
    return points_post_compensation


def compensation_key(complaint: Complaint) -> str:
    """The ledger's idempotency key: one compensation per complaint, whatever happens."""
    return f"complaint-{complaint.pk}-compensation"


def post_compensation(complaint: Complaint, *, by, at: dt.datetime) -> bool:
    """Post the complaint's points to the ledger (caller holds the row lock).  The
    idempotency key makes a second call a no-op on the loyalty side too."""
    poster = _loyalty_poster()
    if poster is None:
        return False
    reason = _("Compensation for complaint #%(id)s") % {"id": complaint.pk}
    entry = poster(
        guest=complaint.guest,
        points=complaint.compensation_points,
        reason=reason,
        idempotency_key=compensation_key(complaint),
        by=by,
    )
    complaint.compensation_posted_at = at
    complaint.compensation_reference = str(getattr(entry, "pk", "") or "")[:64]
    add_event(
        complaint,
        kind=ComplaintEvent.Kind.COMPENSATION_POSTED,
        at=at,
        by=by,
        from_status=complaint.status,
        to_status=complaint.status,
        data={"points": complaint.compensation_points, "reference": complaint.compensation_reference},
    )
    complaint.save(update_fields=["compensation_posted_at", "compensation_reference", "updated_at"])
    return True


def compensations_post_pending(*, limit: int = 500) -> int:
    """Post compensation recorded while the loyalty ledger was unavailable."""
    if _loyalty_poster() is None:
        return 0
    pending = list(
        Complaint.objects.filter(
            compensation_points__gt=0,
            compensation_posted_at__isnull=True,
            guest__isnull=False,
            status__in=Complaint.RESOLVED_STATUSES,
        ).values_list("pk", flat=True)[:limit]
    )
    posted = 0
    for pk in pending:
        with transaction.atomic():
            complaint = lock(pk)
            if complaint.compensation_posted_at or not complaint.compensation_points:
                continue
            posted += post_compensation(complaint, by=None, at=timezone.now())
    return posted
