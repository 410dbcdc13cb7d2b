"""Working the churn warnings: assigning them to the sales team and recording outcomes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import ConflictError, DomainError, ErrorBag, Forbidden, NotFound
from crm_site.parsing import as_choice, as_text

from .. import rules
from ..models import CareTask, ChurnWarning, ContactLog
from .common import check_channel, contact_entry


def _locked_warning(warning_id: int, by) -> ChurnWarning:
    """The warning, locked; outside ``by``'s properties it does not exist for them."""
    try:
        warnings = scope.scoped(ChurnWarning.objects.select_for_update(of=("self",)), by)
        return warnings.select_related("guest").get(pk=warning_id)
    except (ChurnWarning.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Churn warning not found.")) from None


def warning_assign(*, warning_id: int, assignee, by) -> ChurnWarning:
    """Give an open warning to a sales manager or salesperson (or take it back with
    ``assignee=None``); anyone else is refused, naming the field."""
    if not by.has_perm("care.assign_churnwarning"):
        raise Forbidden(_("You may not assign churn warnings."), field="assigned_to")
    if assignee is not None and not rules.is_sales_user(assignee):
        raise DomainError(_("Warnings can only be assigned to sales managers or salespeople."), field="assigned_to")
    with transaction.atomic():
        warning = _locked_warning(warning_id, by)
        if not warning.is_open:
            raise ConflictError(_("This warning is already closed."), field="assigned_to")
        if warning.assigned_to_id == (assignee.pk if assignee else None):
            return warning
        now = timezone.now()
        warning.assigned_to = assignee
        warning.assigned_at = now if assignee else None
        warning.updated_at = now
        warning.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
        contact_entry(
            guest_id=warning.guest_id,
            kind=ContactLog.Kind.WARNING_ASSIGNED,
            warning=warning,
            details={
                "assignee": (assignee.get_full_name() or assignee.get_username()) if assignee else "",
                "assignee_id": assignee.pk if assignee else None,
            },
            by=by,
            at=now,
        ).save()
    return warning


def _outcome_inputs(outcome, lost_reason, competitor, note) -> tuple[str, str, str, str]:
    """The outcome and what goes with it, every invalid field reported at once."""
    bag = ErrorBag()
    outcome = bag.check(
        as_choice,
        outcome,
        field="outcome",
        choices=ChurnWarning.STAFF_OUTCOMES,
        message=_("Choose contacted, offer made, won back or lost."),
    )
    note = bag.check(as_text, note, field="note")
    lost_reason = bag.check(as_text, lost_reason, field="lost_reason") or ""
    competitor = " ".join((bag.check(as_text, competitor, field="competitor", max_length=100) or "").split())
    if outcome == ChurnWarning.Outcome.LOST:
        if not lost_reason:
            bag.add(_("Say why the guest was lost."), field="lost_reason")
        elif lost_reason not in ChurnWarning.LostReason.values:
            bag.add(_("Unknown reason."), field="lost_reason")
    else:
        lost_reason, competitor = "", ""
    bag.raise_if_any()
    return outcome, lost_reason, competitor, note


def _apply_outcome(warning: ChurnWarning, *, outcome, lost_reason, competitor, note, by, now) -> None:
    warning.outcome = outcome
    warning.outcome_at = now
    warning.outcome_by = by
    warning.lost_reason = lost_reason
    warning.competitor = competitor
    warning.outcome_note = note
    warning.updated_at = now
    if outcome in ChurnWarning.CLOSING_OUTCOMES:
        warning.status = ChurnWarning.Status.CLOSED
        warning.closed_at = now
    warning.save()
    if not warning.is_open:
        CareTask.objects.filter(warning=warning, kind=CareTask.Kind.WIN_BACK, status=CareTask.Status.OPEN).update(
            status=CareTask.Status.CANCELLED
        )


def warning_record_outcome(
    *,
    warning_id: int,
    outcome: str,
    by,
    lost_reason: str = "",
    competitor: str = "",
    note: str = "",
    channel: str = "",
) -> ChurnWarning:
    """Record what came of working a warning.  Contacted and offer made keep it open;
    won back and lost close it.  Lost needs a reason (the competitor is optional)."""
    outcome, lost_reason, competitor, note = _outcome_inputs(outcome, lost_reason, competitor, note)
    with transaction.atomic():
        warning = _locked_warning(warning_id, by)
        if not rules.can_work_warning(by, warning):
            raise Forbidden(_("This warning is not assigned to you."), field="outcome")
        if not warning.is_open:
            raise ConflictError(
                _("This warning is already closed (%(outcome)s).") % {"outcome": warning.get_outcome_display()},
                field="outcome",
            )
        channel = check_channel(warning.guest, channel)
        now = timezone.now()
        _apply_outcome(
            warning, outcome=outcome, lost_reason=lost_reason, competitor=competitor, note=note, by=by, now=now
        )
        contact_entry(
            guest_id=warning.guest_id,
            kind=ContactLog.Kind.WARNING_OUTCOME,
            channel=channel,
            outcome=outcome,
            warning=warning,
            details={"lost_reason": lost_reason, "competitor": competitor} if lost_reason else {},
            note=note,
            by=by,
            at=now,
        ).save()
    return warning
