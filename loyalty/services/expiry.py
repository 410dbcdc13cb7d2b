"""Points expiry: balances of members without any ledger activity for the expiry period."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf
from ..models import Membership, PointsTransaction
from .ledger import append, fingerprint, lock_member

Kind = PointsTransaction.Kind


def months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _last_activity(membership_id: int) -> tuple[dt.date | None, int | None]:
    """The member's last activity date (expiry rows aside) and last ledger row id."""
    rows = PointsTransaction.objects.filter(membership_id=membership_id)
    last = rows.exclude(kind=Kind.EXPIRE).aggregate(last=Max("effective_on"))["last"]
    return last, rows.aggregate(row=Max("id"))["row"]


def _expire_one(membership_id: int, *, cutoff: dt.date, months: int, as_of: dt.date) -> int:
    """Expire one member's balance under its lock; 0 if activity arrived meanwhile."""
    with transaction.atomic():
        membership = lock_member(membership_id)
        last, last_row = _last_activity(membership_id)
        if membership.points_balance <= 0 or (last is not None and last >= cutoff):
            return 0
        points = membership.points_balance
        append(
            membership,
            kind=Kind.EXPIRE,
            points=-points,
            reason=_("Points expired: no activity since %(date)s (%(months)d months).")
            % {"date": last.isoformat() if last else "—", "months": months},
            # One expiry per ledger state: a rerun finds the balance already zero, and
            # points back-dated after an expiry (a late stay) expire under a new key.
            key=f"expire:{membership_id}:{last_row}",
            print_=fingerprint(kind=Kind.EXPIRE, membership=membership_id, last_row=last_row),
            effective_on=as_of,
        )
        return points


def points_expire(*, as_of: dt.date | None = None) -> dict[str, int]:
    """Expire the whole balance of members without any ledger activity (earning,
    redeeming, adjustments, compensation) for ``LOYALTY_POINTS_EXPIRY_MONTHS`` months.

    Idempotent: an expired balance is zero, and the key names the ledger row it follows.
    Returns counts: candidates, expired_members, expired_points.
    """
    as_of = as_of or timezone.localdate()
    months = conf.terms().expiry_months
    cutoff = months_before(as_of, months)
    candidates = list(
        Membership.objects.filter(points_balance__gt=0)
        .annotate(last=Max("transactions__effective_on", filter=~Q(transactions__kind=Kind.EXPIRE)))
        .filter(Q(last__lt=cutoff) | Q(last__isnull=True))
        .values_list("pk", flat=True)
    )
    stats = {"candidates": len(candidates), "expired_members": 0, "expired_points": 0}
    for membership_id in candidates:
        points = _expire_one(membership_id, cutoff=cutoff, months=months, as_of=as_of)
        if points:
            stats["expired_members"] += 1
            stats["expired_points"] += points
    return stats
