"""The complaint workflow, in one place.

    received → assigned → investigating → resolved → feedback_recorded → closed
                                 ↑__________reopen (with a reason)___|_________|

Each allowed move names the permission it needs, what the move requires from the user,
and the label of its button.  ``complaints.services.complaint_transition`` is the only code
that applies a move; pages and the API ask :func:`allowed_transitions` which buttons to
show, so they can never offer a move the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ComplaintEvent, ComplaintStatus

S = ComplaintStatus


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    permission: str
    label: str | Promise
    # Inputs the move needs: "assignee", "action_taken", "satisfaction", "reason".
    requires: tuple[str, ...] = ()
    # Inputs the move accepts besides a comment.
    accepts: tuple[str, ...] = ()
    kind: str = ComplaintEvent.Kind.TRANSITION

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}"

    @property
    def is_reopen(self) -> bool:
        return self.kind == ComplaintEvent.Kind.REOPENED


_RESOLVE_INPUTS = ("action_taken", "root_cause", "compensation_points", "compensation_money", "compensation_currency")

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.RECEIVED, S.ASSIGNED, "complaints.assign_complaint", _("Assign"), ("assignee",), ("assignee",)),
    Transition(S.ASSIGNED, S.INVESTIGATING, "complaints.handle_complaint", _("Start investigation")),
    Transition(
        S.INVESTIGATING,
        S.RESOLVED,
        "complaints.handle_complaint",
        _("Resolve"),
        ("action_taken",),
        _RESOLVE_INPUTS,
    ),
    Transition(
        S.RESOLVED,
        S.FEEDBACK_RECORDED,
        "complaints.handle_complaint",
        _("Record guest feedback"),
        ("satisfaction",),
        ("satisfaction", "feedback"),
    ),
    Transition(S.FEEDBACK_RECORDED, S.CLOSED, "complaints.close_complaint", _("Close")),
    Transition(
        S.RESOLVED,
        S.INVESTIGATING,
        "complaints.reopen_complaint",
        _("Reopen"),
        ("reason",),
        kind=ComplaintEvent.Kind.REOPENED,
    ),
    Transition(
        S.CLOSED,
        S.INVESTIGATING,
        "complaints.reopen_complaint",
        _("Reopen"),
        ("reason",),
        kind=ComplaintEvent.Kind.REOPENED,
    ),
)

_BY_KEY = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(source: str, target: str) -> Transition | None:
    return _BY_KEY.get((source, target))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def allowed_transitions(status: str, user) -> list[Transition]:
    """The moves ``user`` may make from ``status`` (property scope is checked by callers
    that hold the complaint; a complaint outside the user's scope is not shown at all)."""
    return [t for t in transitions_from(status) if user.has_perm(t.permission)]
