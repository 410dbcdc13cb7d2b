"""Moving a complaint along the workflow (``complaints.workflow``): the only code that
changes a complaint's status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import DomainError, ErrorBag, Forbidden
from crm_site.parsing import as_int, as_money, as_points, as_text

from .. import sla, workflow
from ..models import Complaint
from .common import S, add_event, announce, check_scope, event_time, lock
from .compensation import post_compensation

MAX_COMPENSATION_MONEY = Decimal("100000000")  # fits the column (10 digits, 2 decimals)


@dataclass
class Change:
    """What one move changes: model fields and the timeline entry's details."""

    fields: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


def _target(to) -> str:
    to = str(to or "").strip()
    if to not in S.values:
        raise DomainError(_("Unknown status."), field="to")
    return to


def _allowed_move(source: str, to: str, by) -> workflow.Transition:
    move = workflow.find_transition(source, to)
    if move is None:
        allowed = ", ".join(str(S(t.target).label) for t in workflow.transitions_from(source))
        raise DomainError(
            _("A %(from)s complaint cannot move to %(to)s. Allowed next: %(allowed)s.")
            % {"from": S(source).label, "to": S(to).label, "allowed": allowed or _("none")},
            field="to",
        )
    if by is not None and not by.has_perm(move.permission):
        raise Forbidden(_("You may not move complaints to %(to)s.") % {"to": S(to).label}, field="to")
    return move


def _move_time(complaint: Complaint, at) -> dt.datetime:
    now = event_time(at)
    last = complaint.events.order_by("-at", "-id").values_list("at", flat=True).first()
    if last is not None and now < last:
        raise DomainError(_("This time is before the complaint's last timeline entry."), field="at")
    return now


def _check_assignee(assignee, complaint: Complaint):
    if assignee in (None, ""):
        raise DomainError(_("Choose who handles this complaint."), field="assignee")
    User = get_user_model()
    if not isinstance(assignee, User):
        try:
            assignee = User.objects.filter(pk=int(assignee)).first()
        except (TypeError, ValueError, OverflowError):
            assignee = None
    if assignee is None or not assignee.is_active:
        raise DomainError(_("Unknown user."), field="assignee")
    if not assignee.has_perm("complaints.handle_complaint") or not scope.in_scope(complaint, assignee):
        raise DomainError(
            _("%(user)s cannot handle complaints at this property.") % {"user": assignee.get_username()},
            field="assignee",
        )
    return assignee


def _points(value) -> int:
    if value in (None, ""):
        return 0
    return as_points(value, field="compensation_points", allow_zero=True)


def _satisfaction(value) -> int:
    if value in (None, ""):
        raise DomainError(_("Record the guest's satisfaction (1-5)."), field="satisfaction", code="required")
    try:
        return as_int(value, field="satisfaction", minimum=1, maximum=5)
    except DomainError:
        raise DomainError(
            _("Satisfaction is a whole number from 1 to 5."), field="satisfaction", code="invalid_satisfaction"
        ) from None


def _currency(complaint: Complaint, value, money: Decimal | None) -> str:
    currency = value or complaint.compensation_currency or complaint.property.currency or ""
    currency = str(currency).strip().upper()
    if money and (len(currency) != 3 or not currency.isalpha()):
        raise DomainError(_("Use a 3-letter ISO currency code."), field="compensation_currency")
    return currency


def _check_points(complaint: Complaint, points: int) -> int:
    if points and complaint.guest_id is None:
        raise DomainError(
            _("Link the complaint to a guest before compensating in points."), field="compensation_points"
        )
    if complaint.compensation_posted_at and points != complaint.compensation_points:
        raise DomainError(
            _("%(points)s points were already posted for this complaint; they cannot change.")
            % {"points": complaint.compensation_points},
            field="compensation_points",
        )
    return points


def _resolution(bag: ErrorBag, complaint: Complaint, inputs: dict, change: Change) -> None:
    """The action taken, root cause and compensation of a resolving move."""
    action = bag.check(
        as_text,
        inputs.get("action_taken"),
        field="action_taken",
        required=True,
        message=_("Describe the action taken to resolve the complaint."),
    )
    root_cause = inputs.get("root_cause")
    cause = complaint.root_cause if root_cause is None else bag.check(as_text, root_cause, field="root_cause")
    points = bag.check(_points, inputs.get("compensation_points"))
    if points is not None:
        points = bag.check(_check_points, complaint, points)
    money = bag.check(
        as_money, inputs.get("compensation_money"), field="compensation_money", maximum=MAX_COMPENSATION_MONEY
    )
    currency = bag.check(_currency, complaint, inputs.get("compensation_currency"), money)
    values = {
        "action_taken": action,
        "root_cause": cause,
        "compensation_points": points,
        "compensation_money": money,
        "compensation_currency": currency,
    }
    change.fields.update(values)
    change.data.update(values, compensation_money=str(money))


def _inputs(move: workflow.Transition, complaint: Complaint, comment: str, inputs: dict) -> Change:
    """Everything the move requires, checked at once (every invalid field reported)."""
    bag = ErrorBag()
    change = Change()
    if "assignee" in move.requires:
        user = bag.check(_check_assignee, inputs.get("assignee"), complaint)
        if user is not None:
            change.fields["assignee"] = user
            change.data["assignee"] = user.get_username()
    if "reason" in move.requires and not comment:
        bag.add(_("Give the reason for reopening."), field="comment")
    if "action_taken" in move.requires:
        _resolution(bag, complaint, inputs, change)
    if "satisfaction" in move.requires:
        satisfaction = bag.check(_satisfaction, inputs.get("satisfaction"))
        feedback = bag.check(as_text, inputs.get("feedback"), field="feedback") or ""
        change.fields.update(satisfaction=satisfaction, feedback=feedback)
        change.data.update(satisfaction=satisfaction, feedback=feedback)
    bag.raise_if_any()
    return change


def _timestamps(move: workflow.Transition, complaint: Complaint, change: Change, now: dt.datetime) -> None:
    """First response, resolution, closure, and what a reopen resets."""
    if move.source == S.RECEIVED and complaint.first_response_at is None:
        change.fields["first_response_at"] = now
    if move.target == S.RESOLVED:
        change.fields["resolved_at"] = now
    if move.target == S.CLOSED:
        change.fields["closed_at"] = now
    if move.is_reopen:
        # A reopened complaint is worked again against a fresh resolution deadline; the
        # earlier resolution and feedback stay in the timeline.
        previous = {"resolved_at": complaint.resolved_at.isoformat() if complaint.resolved_at else None}
        if complaint.satisfaction is not None:
            previous["satisfaction"] = complaint.satisfaction
        due = max(now + sla.sla_for(complaint.severity).resolution, complaint.resolution_due)
        change.fields.update(resolved_at=None, closed_at=None, satisfaction=None, resolution_due=due)
        change.data.update(previous=previous, resolution_due=due.isoformat())


def complaint_transition(
    *,
    complaint,
    to: str,
    by=None,
    comment: str = "",
    assignee=None,
    action_taken: str | None = None,
    root_cause: str | None = None,
    compensation_points=None,
    compensation_money=None,
    compensation_currency: str | None = None,
    satisfaction=None,
    feedback: str | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """Move a complaint one step along the workflow (``complaints.workflow``).

    Refuses a move the workflow does not allow from the current status, a user without
    the move's permission or outside the complaint's property, and a move without what it
    requires (an assignee, the action taken, a satisfaction 1-5, a reason to reopen) —
    every missing or invalid input at once.  Every move is appended to the timeline; a
    refused move writes nothing.  Resolving with points posts them to the loyalty ledger
    in the same transaction, exactly once per complaint.
    """
    inputs = {
        "assignee": assignee,
        "action_taken": action_taken,
        "root_cause": root_cause,
        "compensation_points": compensation_points,
        "compensation_money": compensation_money,
        "compensation_currency": compensation_currency,
        "satisfaction": satisfaction,
        "feedback": feedback,
    }
    to = _target(to)
    comment = as_text(comment, field="comment")
    with transaction.atomic():
        complaint = lock(complaint)
        check_scope(complaint, by)
        now = _move_time(complaint, at)
        source = complaint.status
        move = _allowed_move(source, to, by)
        change = _inputs(move, complaint, comment, inputs)
        _timestamps(move, complaint, change, now)
        add_event(
            complaint,
            kind=move.kind,
            at=now,
            by=by,
            from_status=source,
            to_status=to,
            comment=comment,
            data=change.data,
        )
        for name, value in change.fields.items():
            setattr(complaint, name, value)
        complaint.status = to
        complaint.save(update_fields=sorted({*change.fields, "status", "updated_at"}))
        if to == S.RESOLVED and complaint.compensation_points and not complaint.compensation_posted_at:
            post_compensation(complaint, by=by, at=now)
    announce(complaint, source, to)
    return complaint
