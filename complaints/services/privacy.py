"""Guest merge and erasure hooks (registered with ``crm_site.extensions``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Complaint, ComplaintEvent


def complaints_move_guest(merged_id: int, survivor_id: int) -> dict:
    """Merge handler: the duplicate's complaints move to the survivor (statuses untouched)."""
    ids = list(Complaint.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    Complaint.objects.filter(pk__in=ids).update(guest_id=survivor_id, updated_at=timezone.now())
    return {"complaints": ids}


def complaints_restore_guest(moved: dict, merged_id: int, survivor_id: int) -> None:
    """Undo of a merge: exactly the complaints that moved go back."""
    Complaint.objects.filter(pk__in=moved.get("complaints", []), guest_id=survivor_id).update(
        guest_id=merged_id, updated_at=timezone.now()
    )


# Timeline details that never hold a guest's words: codes, numbers, dates, staff names.
EVENT_DATA_KEPT = frozenset(
    {
        "severity",
        "category",
        "channel",
        "assignee",
        "satisfaction",
        "compensation_points",
        "compensation_money",
        "compensation_currency",
        "points",
        "reference",
        "kind",
        "deadline",
        "notified",
        "resolution_due",
        "guest",
        "stay",
        "previous",  # resolved_at and satisfaction before a reopen
    }
)


def complaints_erase_guests(guest_ids: list[int]) -> None:
    """On erasure (the whole merge cluster at once): the guests' words and what staff
    wrote about them go — description, action taken, root cause, feedback, the source
    reference (a review or message id), timeline comments and every timeline detail
    that is not a code, number or date; the complaints themselves stay for the
    statistics (category, severity, deadlines, outcome, compensation).  Escalation
    e-mails naming the guests are scrubbed by the outbox's own erase hook."""
    ids = list(Complaint.objects.filter(guest_id__in=list(guest_ids)).values_list("pk", flat=True))
    if not ids:
        return
    erased = _("(erased at the guest's request)")
    Complaint.objects.filter(pk__in=ids).update(
        description=erased, root_cause="", feedback="", source_reference="", updated_at=timezone.now()
    )
    # A resolved complaint keeps an action taken (the database insists): its words go.
    Complaint.objects.filter(pk__in=ids).exclude(action_taken="").update(action_taken=erased)
    events = list(ComplaintEvent.objects.filter(complaint_id__in=ids))
    for event in events:
        event.comment = ""
        event.data = {k: v for k, v in (event.data or {}).items() if k in EVENT_DATA_KEPT}
    ComplaintEvent.objects.bulk_update(events, ["comment", "data"], batch_size=1000)


def complaints_activity(since) -> list:
    """``PersonalData.activity``: guests who complained since then."""
    return [Complaint.objects.filter(received_at__gte=since, guest__isnull=False).values_list("guest_id", flat=True)]
