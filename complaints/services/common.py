"""What every complaint service shares: the row lock, property scope (``crm_site.scope``),
the timeline writer, times given by callers, and the after-commit announcement."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import DomainError, Forbidden, NotFound
from crm_site.parsing import as_datetime

from ..models import Complaint, ComplaintEvent
from ..signals import complaint_transitioned

S = Complaint.Status
# A clock skew tolerance for times sent by other systems ("received at").
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


def checked_time(value, *, field: str, now: dt.datetime, message: str | None = None) -> dt.datetime | None:
    """A time given by the caller (years 1900-2100), never in the future beyond the clock
    tolerance; None stays None."""
    at = as_datetime(value, field=field)
    if at is not None and at > now + CLOCK_TOLERANCE:
        raise DomainError(message or _("This time is in the future."), field=field, code="future_time")
    return at


def event_time(at) -> dt.datetime:
    """When a step happened: now, or a past time replayed by an import or the demo."""
    now = timezone.now()
    return checked_time(at, field="at", now=now) or now


def require_perm(user, perm: str, *, field: str | None, message: str) -> None:
    if user is not None and not user.has_perm(perm):
        raise Forbidden(message, field=field)


def lock(complaint_or_id) -> Complaint:
    pk = complaint_or_id.pk if isinstance(complaint_or_id, Complaint) else complaint_or_id
    try:
        return Complaint.objects.select_for_update().get(pk=pk)
    except (Complaint.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Complaint not found.")) from None


def check_scope(complaint: Complaint, by) -> None:
    """Outside the user's properties a complaint does not exist for them."""
    scope.require(complaint, by, message=_("Complaint not found."))


def add_event(complaint: Complaint, *, kind, at, by, from_status, to_status, comment="", data=None) -> ComplaintEvent:
    """Append one line to the complaint's timeline (never changed afterwards)."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        at=at,
        by=by,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data or {},
    )


def announce(complaint: Complaint, source: str, target: str) -> None:
    """``complaint_transitioned`` after the transaction commits."""
    pk = complaint.pk
    transaction.on_commit(
        lambda: complaint_transitioned.send(sender=Complaint, complaint_id=pk, from_status=source, to_status=target)
    )
