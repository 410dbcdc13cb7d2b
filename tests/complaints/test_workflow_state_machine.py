"""The complaint workflow as a state machine (hypothesis): random sequences of moves by
people with and without the permission, with complete, missing and invalid inputs.

Whatever the sequence: a complaint only ever takes an edge of ``complaints.workflow``;
the timeline is append-only and complete (one entry per successful move, one per
compensation posting, nothing else); compensation in points reaches the loyalty ledger
exactly once; a refused move writes nothing at all.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from complaints import services, workflow
from complaints.models import Complaint, ComplaintEvent
from crm_site import roles
from crm_site.errors import DomainError, Forbidden
from loyalty.models import PointsTransaction
from tests.factories import GuestFactory, PropertyFactory, UserFactory

S = Complaint.Status
EDGES = {(t.source, t.target): t for t in workflow.TRANSITIONS}
POINTS = [None, 0, 300, 300, 450, -5, "ten"]
SATISFACTION = [None, 0, 1, 3, 5, 6, "4.5"]


def _valid_points(value, posted: int | None) -> int | None:
    """The points a resolve would record, or None when the service must refuse them."""
    if value in (None, ""):
        value = 0
    if not isinstance(value, int) or value < 0:
        return None
    if posted is not None and value != posted:
        return None
    return value


class ComplaintWorkflow(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each run in its own savepoint, rolled back in teardown: runs never see each other.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        hotel = PropertyFactory()
        self.handler = UserFactory(roles=[roles.GUEST_RELATIONS], properties=[hotel])
        self.desk = UserFactory(roles=[roles.FRONT_DESK], properties=[hotel])
        guest = GuestFactory()
        complaint = services.complaint_create(
            property=hotel,
            guest=guest,
            category="facilities",
            description="The air conditioning is loud.",
            by=self.desk,
        )
        self.pk = complaint.pk
        self.key = services.compensation_key(complaint)
        self.status = S.RECEIVED
        self.moves = 0  # successful moves
        self.posted_points: int | None = None
        self.seen_events: list[tuple] = self._events()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------

    def _complaint(self) -> Complaint:
        return Complaint.objects.get(pk=self.pk)

    def _events(self) -> list[tuple]:
        return list(
            ComplaintEvent.objects.filter(complaint_id=self.pk)
            .order_by("pk")
            .values_list("pk", "kind", "at", "by_id", "from_status", "to_status")
        )

    def _snapshot(self) -> tuple:
        row = Complaint.objects.filter(pk=self.pk).values().get()
        row.pop("updated_at")
        ledger = list(PointsTransaction.objects.filter(idempotency_key=self.key).values_list("pk", "points"))
        return row, self._events(), ledger

    def _expect(self, target: str, actor, inputs: dict) -> str:
        """``ok``, ``edge`` (not an edge of the workflow), ``permission`` or ``input``."""
        move = EDGES.get((self.status, target))
        if move is None:
            return "edge"
        if not actor.has_perm(move.permission):
            return "permission"
        if "assignee" in move.requires and inputs["assignee"] is None:
            return "input"
        if "reason" in move.requires and not inputs["comment"].strip():
            return "input"
        if "action_taken" in move.requires and (
            not inputs["action_taken"] or _valid_points(inputs["compensation_points"], self.posted_points) is None
        ):
            return "input"
        satisfaction = inputs["satisfaction"]
        if "satisfaction" in move.requires and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
            return "input"
        return "ok"

    # --- the rule -------------------------------------------------------------------------

    @rule(
        data=st.data(),
        by_handler=st.sampled_from([True, True, True, False]),
        with_assignee=st.sampled_from([True, True, False]),
        action_taken=st.sampled_from(["", "Fan motor replaced; room moved for the night."]),
        points=st.sampled_from(POINTS),
        money=st.sampled_from([None, "25.50"]),
        satisfaction=st.sampled_from(SATISFACTION),
        comment=st.sampled_from(["", "  ", "The guest called back: still loud."]),
    )
    def move(self, data, by_handler, with_assignee, action_taken, points, money, satisfaction, comment):
        actor = self.handler if by_handler else self.desk
        inputs = {
            "assignee": self.handler if with_assignee else None,
            "action_taken": action_taken,
            "compensation_points": points,
            "compensation_money": money,
            "satisfaction": satisfaction,
            "comment": comment,
        }
        # Mostly a move the workflow offers from here, sometimes any status at all.
        offered = [t.target for t in workflow.transitions_from(self.status)]
        anything = data.draw(st.booleans().map(lambda b: b or not offered), label="any status")
        target = data.draw(st.sampled_from(S.values if anything else offered), label="to")
        expected = self._expect(target, actor, inputs)
        event(f"{self.status} → {target}: {expected}")
        before = self._snapshot()
        try:
            services.complaint_transition(complaint=self.pk, to=target, by=actor, **inputs)
        except DomainError as error:
            assert expected != "ok", f"{self.status} → {target} refused: {error.fields or error.message}"
            assert isinstance(error, Forbidden) == (expected == "permission")
            if expected == "edge":
                assert error.field == "to" and error.status_code == 400
            assert self._snapshot() == before, "a refused move wrote something"
            return
        assert expected == "ok", f"{self.status} → {target} was accepted but should be refused ({expected})"
        self.moves += 1
        if target == S.RESOLVED and self.posted_points is None:
            recorded = _valid_points(points, None)
            if recorded:
                self.posted_points = recorded
        self.status = target

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def status_is_the_one_the_model_expects(self):
        assert self._complaint().status == self.status

    @invariant()
    def timeline_is_append_only_and_complete(self):
        events = self._events()
        assert events[: len(self.seen_events)] == self.seen_events, "an earlier timeline entry changed or vanished"
        kinds = [kind for _pk, kind, *_rest in events]
        moves = [e for e in events if e[1] in (ComplaintEvent.Kind.TRANSITION, ComplaintEvent.Kind.REOPENED)]
        assert kinds[0] == ComplaintEvent.Kind.CREATED and kinds.count(ComplaintEvent.Kind.CREATED) == 1
        assert len(moves) == self.moves
        assert kinds.count(ComplaintEvent.Kind.COMPENSATION_POSTED) == (1 if self.posted_points else 0)
        assert len(events) == 1 + self.moves + (1 if self.posted_points else 0)
        # Every move is an edge of the workflow and the moves chain from "received".
        status = S.RECEIVED
        for _pk, _kind, _at, _by, source, target in moves:
            assert (source, target) in EDGES and source == status
            status = target
        assert status == self.status
        self.seen_events = events

    @invariant()
    def compensation_reaches_the_ledger_exactly_once(self):
        ledger = list(PointsTransaction.objects.filter(idempotency_key=self.key).values_list("points", flat=True))
        complaint = self._complaint()
        if self.posted_points:
            assert ledger == [self.posted_points]
            assert complaint.compensation_posted_at is not None
            assert complaint.compensation_points == self.posted_points
        else:
            assert ledger == [] and complaint.compensation_posted_at is None

    @invariant()
    def database_state_is_consistent(self):
        complaint = self._complaint()
        if complaint.status in Complaint.RESOLVED_STATUSES:
            assert complaint.resolved_at is not None and complaint.action_taken
        else:
            assert complaint.resolved_at is None
        if complaint.compensation_money:
            assert complaint.compensation_money == Decimal("25.50")


@pytest.mark.django_db
def test_the_complaint_workflow_holds_under_random_sequences():
    run_state_machine_as_test(
        ComplaintWorkflow,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
