"""Complaints are only ever made through ``complaints.services`` (the database refuses a
status that no timeline entry explains), so the factory logs the complaint and walks it
through the workflow to the status a test asks for."""

from __future__ import annotations

import factory

from complaints import services
from complaints.models import Complaint
from crm_site import roles
from tests.factories import GuestFactory, PropertyFactory, StayFactory, UserFactory

S = Complaint.Status

PATH = {
    S.RECEIVED: [],
    S.ASSIGNED: [S.ASSIGNED],
    S.INVESTIGATING: [S.ASSIGNED, S.INVESTIGATING],
    S.RESOLVED: [S.ASSIGNED, S.INVESTIGATING, S.RESOLVED],
    S.FEEDBACK_RECORDED: [S.ASSIGNED, S.INVESTIGATING, S.RESOLVED, S.FEEDBACK_RECORDED],
    S.CLOSED: [S.ASSIGNED, S.INVESTIGATING, S.RESOLVED, S.FEEDBACK_RECORDED, S.CLOSED],
}


def handler_for(prop):
    """A guest-relations user working at ``prop`` (may handle its complaints)."""
    return UserFactory(roles=[roles.GUEST_RELATIONS], properties=[prop])


def move(complaint, to, *, by=None, handler=None, at=None, **inputs):
    """One step with the inputs the target needs filled in sensibly."""
    if to == S.ASSIGNED:
        inputs.setdefault("assignee", handler or handler_for(complaint.property))
    if to == S.RESOLVED:
        inputs.setdefault("action_taken", "Room changed and apology given.")
    if to == S.FEEDBACK_RECORDED:
        inputs.setdefault("satisfaction", 4)
    return services.complaint_transition(complaint=complaint, to=to, by=by, at=at, **inputs)


def walk(complaint, status, *, by=None, handler=None, times=None, **inputs):
    """Move a fresh complaint along the happy path to ``status``; ``times`` maps a target
    status to when it happened; ``inputs`` go to the matching step (resolve/feedback)."""
    handler = handler or (handler_for(complaint.property) if status != S.RECEIVED else None)
    for target in PATH[status]:
        step_inputs = {}
        if target == S.RESOLVED:
            step_inputs = {k: v for k, v in inputs.items() if k not in ("satisfaction", "feedback")}
        elif target == S.FEEDBACK_RECORDED:
            step_inputs = {k: v for k, v in inputs.items() if k in ("satisfaction", "feedback")}
        complaint = move(complaint, target, by=by, handler=handler, at=(times or {}).get(target), **step_inputs)
    return complaint


class ComplaintFactory(factory.Factory):
    """``ComplaintFactory(status="resolved", property=hotel, guest=g, stay=s, ...)``."""

    class Meta:
        model = Complaint

    property = factory.SubFactory(PropertyFactory)
    guest = factory.SubFactory(GuestFactory)
    stay = factory.LazyAttribute(lambda o: StayFactory(guest=o.guest, property=o.property) if o.guest else None)
    category = Complaint.Category.SERVICE_QUALITY
    severity = Complaint.Severity.MEDIUM
    channel = Complaint.Channel.FRONT_DESK
    description = factory.Sequence(lambda n: f"Complaint number {n}: the room was noisy.")
    received_at = None
    status = S.RECEIVED
    by = None
    handler = None
    resolve_inputs = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *, status, by, handler, resolve_inputs, **kwargs):
        # A back-dated complaint was logged when it was received.
        complaint = services.complaint_create(by=by, at=kwargs.get("received_at"), **kwargs)
        if status != S.RECEIVED:
            complaint = walk(complaint, status, handler=handler, **resolve_inputs)
        return complaint

    _build = _create
