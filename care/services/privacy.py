"""Guest merge and erasure hooks (registered with ``crm_site.extensions``)."""

from __future__ import annotations

from django.utils import timezone

from ..models import CareTask, ChurnWarning, ContactLog, StaySurvey


def _move_care_tasks(merged_id: int, survivor_id: int, moved: dict) -> None:
    survivor_keys = set(CareTask.objects.filter(guest_id=survivor_id).values_list("kind", "due_date"))
    tasks = list(CareTask.objects.filter(guest_id=merged_id).values_list("pk", "kind", "due_date", "status"))
    moved["care_tasks"] = [pk for pk, kind, due, _s in tasks if (kind, due) not in survivor_keys]
    moved["care_tasks_cancelled"] = [
        pk for pk, kind, due, status in tasks if (kind, due) in survivor_keys and status == CareTask.Status.OPEN
    ]
    CareTask.objects.filter(pk__in=moved["care_tasks"]).update(guest_id=survivor_id)
    CareTask.objects.filter(pk__in=moved["care_tasks_cancelled"]).update(status=CareTask.Status.CANCELLED)


def _move_warnings(merged_id: int, survivor_id: int, moved: dict) -> None:
    survivor_has_open = ChurnWarning.objects.filter(guest_id=survivor_id, status=ChurnWarning.Status.OPEN).exists()
    warnings = list(ChurnWarning.objects.filter(guest_id=merged_id).values_list("pk", "status", "outcome"))
    moved["warnings_closed"] = [
        [pk, outcome] for pk, status, outcome in warnings if status == ChurnWarning.Status.OPEN and survivor_has_open
    ]
    closed_ids = [pk for pk, _o in moved["warnings_closed"]]
    ChurnWarning.objects.filter(pk__in=closed_ids).update(
        status=ChurnWarning.Status.CLOSED, outcome=ChurnWarning.Outcome.CLEARED, closed_at=timezone.now()
    )
    moved["warnings"] = [pk for pk, _st, _o in warnings if pk not in closed_ids]
    ChurnWarning.objects.filter(pk__in=moved["warnings"]).update(guest_id=survivor_id)


def merge_move(merged_id: int, survivor_id: int) -> dict:
    """Merge handler: the duplicate's surveys, contact log, care items and warnings move
    to the survivor.  Where the survivor already holds the same care item, or an open
    warning of its own, the duplicate's stays behind (that item is cancelled, that warning
    closed as "cleared").  Returns exactly what changed, for :func:`merge_restore`."""
    moved: dict = {}
    moved["surveys"] = list(StaySurvey.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    StaySurvey.objects.filter(pk__in=moved["surveys"]).update(guest_id=survivor_id)
    moved["contacts"] = list(ContactLog.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    ContactLog.objects.filter(pk__in=moved["contacts"]).update(guest_id=survivor_id)
    _move_care_tasks(merged_id, survivor_id, moved)
    _move_warnings(merged_id, survivor_id, moved)
    return moved


def merge_restore(moved: dict, merged_id: int, survivor_id: int) -> None:
    """Undo :func:`merge_move` exactly."""
    StaySurvey.objects.filter(pk__in=moved.get("surveys", []), guest_id=survivor_id).update(guest_id=merged_id)
    ContactLog.objects.filter(pk__in=moved.get("contacts", []), guest_id=survivor_id).update(guest_id=merged_id)
    CareTask.objects.filter(pk__in=moved.get("care_tasks", []), guest_id=survivor_id).update(guest_id=merged_id)
    CareTask.objects.filter(pk__in=moved.get("care_tasks_cancelled", []), status=CareTask.Status.CANCELLED).update(
        status=CareTask.Status.OPEN
    )
    ChurnWarning.objects.filter(pk__in=moved.get("warnings", []), guest_id=survivor_id).update(guest_id=merged_id)
    for pk, outcome in moved.get("warnings_closed", []):
        if not ChurnWarning.objects.filter(guest_id=merged_id, status=ChurnWarning.Status.OPEN).exists():
            ChurnWarning.objects.filter(pk=pk, outcome=ChurnWarning.Outcome.CLEARED).update(
                status=ChurnWarning.Status.OPEN, outcome=outcome, closed_at=None
            )


def care_erase_guests(guest_ids: list[int]) -> None:
    """Right to be forgotten, for the whole merge cluster at once: scrub the free text
    care holds about the guests, cancel their open care items and close their open
    warnings (the profiles are anonymised).  Their queued e-mails are scrubbed and
    cancelled by the outbox's own erase hook."""
    ids = list(guest_ids)
    if not ids:
        return
    now = timezone.now()
    ContactLog.objects.filter(guest_id__in=ids).update(note="", details={})
    CareTask.objects.filter(guest_id__in=ids).update(note="", details={})
    ChurnWarning.objects.filter(guest_id__in=ids).exclude(competitor="").update(competitor="")
    CareTask.objects.filter(guest_id__in=ids, status=CareTask.Status.OPEN).update(status=CareTask.Status.CANCELLED)
    StaySurvey.objects.filter(guest_id__in=ids).update(comment="")
    ChurnWarning.objects.filter(guest_id__in=ids).update(outcome_note="")
    ChurnWarning.objects.filter(guest_id__in=ids, status=ChurnWarning.Status.OPEN).update(
        status=ChurnWarning.Status.CLOSED, outcome=ChurnWarning.Outcome.CLEARED, closed_at=now, updated_at=now
    )


def care_activity(since) -> list:
    """``PersonalData.activity``: guests contacted or surveyed since then."""
    return [
        ContactLog.objects.filter(created_at__gte=since).values_list("guest_id", flat=True),
        StaySurvey.objects.filter(received_on__gte=since.date()).values_list("guest_id", flat=True),
    ]
