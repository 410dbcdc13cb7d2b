"""The state machine: every allowed and every forbidden move, what each move requires,
permissions and property scope, the timeline, and the database guards."""

import datetime as dt
import itertools

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from complaints import services, workflow
from complaints.models import Complaint, ComplaintEvent
from crm_site import roles
from crm_site.errors import DomainError, Forbidden, NotFound
from tests.complaints.factories import PATH, ComplaintFactory, handler_for, move
from tests.factories import GuestFactory, StayFactory, UserFactory

S = Complaint.Status
ALLOWED = {(t.source, t.target) for t in workflow.TRANSITIONS}
ALL_PAIRS = list(itertools.product(S.values, S.values))


def test_the_workflow_is_the_documented_one():
    assert ALLOWED == {
        ("received", "assigned"),
        ("assigned", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "feedback_recorded"),
        ("feedback_recorded", "closed"),
        ("resolved", "investigating"),  # reopen
        ("closed", "investigating"),  # reopen
    }


def _complaint_in(status, hotel):
    return ComplaintFactory(property=hotel, status=status)


def _inputs_for(source, target):
    if (source, target) in (("resolved", "investigating"), ("closed", "investigating")):
        return {"comment": "The guest called back: still broken."}
    return {}


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_move(source, target, hotel, chain_admin):
    complaint = _complaint_in(source, hotel)
    events_before = complaint.events.count()
    updated = move(complaint, target, by=chain_admin, **_inputs_for(source, target))
    updated.refresh_from_db()
    assert updated.status == target
    last = updated.events.order_by("-pk").first()
    assert (last.from_status, last.to_status, last.by) == (source, target, chain_admin)
    assert updated.events.count() == events_before + 1


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_forbidden_move_changes_nothing(source, target, hotel, chain_admin):
    complaint = _complaint_in(source, hotel)
    events_before = complaint.events.count()
    with pytest.raises(DomainError) as caught:
        move(complaint, target, by=chain_admin, comment="try anyway")
    assert caught.value.field == "to"
    assert caught.value.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == source
    assert complaint.events.count() == events_before


@pytest.mark.django_db
def test_received_to_closed_is_refused_with_the_allowed_next_step(hotel, chain_admin):
    complaint = _complaint_in(S.RECEIVED, hotel)
    with pytest.raises(DomainError) as caught:
        services.complaint_transition(complaint=complaint, to="closed", by=chain_admin)
    assert "Assigned" in str(caught.value.message)


@pytest.mark.django_db
def test_unknown_target_status(hotel, chain_admin):
    complaint = _complaint_in(S.RECEIVED, hotel)
    with pytest.raises(DomainError) as caught:
        services.complaint_transition(complaint=complaint, to="escalated", by=chain_admin)
    assert caught.value.field == "to"


# --- what each move requires -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "target", "inputs", "field"),
    [
        (S.RECEIVED, S.ASSIGNED, {"assignee": None}, "assignee"),
        (S.RECEIVED, S.ASSIGNED, {"assignee": 999999}, "assignee"),
        (S.INVESTIGATING, S.RESOLVED, {"action_taken": ""}, "action_taken"),
        (S.INVESTIGATING, S.RESOLVED, {"action_taken": "   "}, "action_taken"),
        (S.INVESTIGATING, S.RESOLVED, {"compensation_points": -5}, "compensation_points"),
        (S.INVESTIGATING, S.RESOLVED, {"compensation_points": "ten"}, "compensation_points"),
        (S.INVESTIGATING, S.RESOLVED, {"compensation_money": "-1"}, "compensation_money"),
        (S.INVESTIGATING, S.RESOLVED, {"compensation_money": "abc"}, "compensation_money"),
        (S.RESOLVED, S.FEEDBACK_RECORDED, {"satisfaction": None}, "satisfaction"),
        (S.RESOLVED, S.FEEDBACK_RECORDED, {"satisfaction": 0}, "satisfaction"),
        (S.RESOLVED, S.FEEDBACK_RECORDED, {"satisfaction": 6}, "satisfaction"),
        (S.RESOLVED, S.FEEDBACK_RECORDED, {"satisfaction": "4.5"}, "satisfaction"),
        (S.RESOLVED, S.INVESTIGATING, {"comment": ""}, "comment"),
        (S.CLOSED, S.INVESTIGATING, {"comment": "  "}, "comment"),
    ],
)
def test_move_without_what_it_requires_changes_nothing(status, target, inputs, field, hotel, chain_admin):
    complaint = _complaint_in(status, hotel)
    before = Complaint.objects.get(pk=complaint.pk)
    events_before = complaint.events.count()
    with pytest.raises(DomainError) as caught:
        move(complaint, target, by=chain_admin, **inputs)
    assert caught.value.field == field
    after = Complaint.objects.get(pk=complaint.pk)
    assert (after.status, after.action_taken, after.satisfaction, after.assignee_id) == (
        before.status,
        before.action_taken,
        before.satisfaction,
        before.assignee_id,
    )
    assert after.events.count() == events_before


@pytest.mark.django_db
def test_assignee_must_handle_complaints_at_that_property(hotel, other_hotel, chain_admin, front_desk):
    complaint = _complaint_in(S.RECEIVED, hotel)
    elsewhere = handler_for(other_hotel)
    for assignee in (front_desk, elsewhere):
        with pytest.raises(DomainError) as caught:
            move(complaint, S.ASSIGNED, by=chain_admin, assignee=assignee)
        assert caught.value.field == "assignee"
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED


# --- permissions and scope ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.FRONT_DESK, roles.SALES_MANAGER, roles.INTEGRATOR])
@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_roles_that_do_not_work_the_queue_cannot_move(role, source, target, hotel):
    user = UserFactory(roles=[role], properties=[hotel])
    complaint = _complaint_in(source, hotel)
    with pytest.raises(Forbidden) as caught:
        move(complaint, target, by=user, **_inputs_for(source, target))
    assert caught.value.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == source


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_guest_relations_works_the_queue_at_home(source, target, hotel, guest_relations):
    complaint = _complaint_in(source, hotel)
    updated = move(complaint, target, by=guest_relations, **_inputs_for(source, target))
    assert updated.status == target


@pytest.mark.django_db
def test_guest_relations_cannot_touch_another_property(hotel, other_hotel):
    outsider = handler_for(other_hotel)
    complaint = _complaint_in(S.RECEIVED, hotel)
    with pytest.raises(NotFound):
        move(complaint, S.ASSIGNED, by=outsider, handler=outsider)
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED


# --- intake ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_front_desk_logs_at_own_property_only(hotel, other_hotel, front_desk):
    complaint = services.complaint_create(
        property=hotel, category="facilities", description="No hot water", by=front_desk
    )
    assert complaint.status == S.RECEIVED and complaint.created_by == front_desk
    with pytest.raises(DomainError) as caught:
        services.complaint_create(property=other_hotel, category="facilities", description="x", by=front_desk)
    assert caught.value.status_code == 400
    assert caught.value.fields == {"property": ["This property is not one of yours."]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"property": "NOPE"}, "property"),
        ({"category": "weather"}, "category"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"channel": "pigeon"}, "channel"),
        ({"description": "  "}, "description"),
        ({"guest": 987654}, "guest"),
        ({"stay": 987654}, "stay"),
        ({"received_at": timezone.now() + dt.timedelta(days=1)}, "received_at"),
    ],
)
def test_intake_bad_input_names_the_field(changes, field, hotel, front_desk):
    data = {"property": hotel, "category": "facilities", "description": "Broken shower", **changes}
    with pytest.raises(DomainError) as caught:
        services.complaint_create(by=front_desk, **data)
    assert caught.value.field == field
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_stay_must_belong_to_the_guest_and_the_property(hotel, other_hotel, front_desk):
    guest, other_guest = GuestFactory(), GuestFactory()
    their_stay = StayFactory(guest=other_guest, property=hotel)
    elsewhere = StayFactory(guest=guest, property=other_hotel)
    for stay, message in ((their_stay, "another guest"), (elsewhere, "another property")):
        with pytest.raises(DomainError) as caught:
            services.complaint_create(
                property=hotel, guest=guest, stay=stay, category="other", description="x", by=front_desk
            )
        assert caught.value.field == "stay"
        assert message in str(caught.value.message)
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_a_stay_alone_links_its_guest(hotel, front_desk):
    stay = StayFactory(property=hotel)
    complaint = services.complaint_create(property=hotel, stay=stay, category="other", description="x", by=front_desk)
    assert complaint.guest_id == stay.guest_id


@pytest.mark.django_db
def test_link_walk_up_complaint_later(hotel, front_desk):
    complaint = ComplaintFactory(property=hotel, guest=None, stay=None)
    stay = StayFactory(property=hotel)
    services.complaint_link_guest(complaint=complaint, stay=stay, by=front_desk)
    complaint.refresh_from_db()
    assert (complaint.guest_id, complaint.stay_id) == (stay.guest_id, stay.pk)
    assert complaint.events.filter(kind=ComplaintEvent.Kind.GUEST_LINKED, by=front_desk).exists()
    with pytest.raises(DomainError) as caught:
        services.complaint_link_guest(complaint=complaint, guest=GuestFactory(), by=front_desk)
    assert caught.value.field == "guest"


@pytest.mark.django_db
def test_same_source_reference_is_not_logged_twice(hotel, integrator):
    data = {
        "property": hotel,
        "category": "expectation_gap",
        "description": "Review: pool closed",
        "channel": "online_review",
        "source_reference": "TA-123",
    }
    services.complaint_create(by=integrator, **data)
    with pytest.raises(DomainError) as caught:
        services.complaint_create(by=integrator, **data)
    assert caught.value.status_code == 409
    assert Complaint.objects.count() == 1


# --- the timeline ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_timeline_records_every_step_with_who_when_from_to(hotel, guest_relations, front_desk):
    t0 = timezone.now() - dt.timedelta(hours=10)
    complaint = services.complaint_create(
        property=hotel, category="facilities", description="Noisy AC", by=front_desk, received_at=t0, at=t0
    )
    steps = [
        (S.ASSIGNED, {"assignee": guest_relations}),
        (S.INVESTIGATING, {"comment": "Engineer on the way"}),
        (S.RESOLVED, {"action_taken": "Fan replaced", "root_cause": "Worn bearing"}),
        (S.INVESTIGATING, {"comment": "Noise is back"}),
        (S.RESOLVED, {"action_taken": "Unit replaced"}),
        (S.FEEDBACK_RECORDED, {"satisfaction": 5, "feedback": "Quick and kind"}),
        (S.CLOSED, {}),
        (S.INVESTIGATING, {"comment": "Guest wrote again"}),
    ]
    for i, (target, inputs) in enumerate(steps, start=1):
        services.complaint_transition(
            complaint=complaint, to=target, by=guest_relations, at=t0 + dt.timedelta(hours=i), **inputs
        )
    events = list(complaint.events.order_by("at", "pk"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "received"),
        ("received", "assigned"),
        ("assigned", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "feedback_recorded"),
        ("feedback_recorded", "closed"),
        ("closed", "investigating"),
    ]
    assert [e.by for e in events] == [front_desk] + [guest_relations] * 8
    assert [e.at for e in events] == [t0] + [t0 + dt.timedelta(hours=i) for i in range(1, 9)]
    assert [e.kind for e in events].count(ComplaintEvent.Kind.REOPENED) == 2
    assert events[2].comment == "Engineer on the way"
    assert events[3].data["action_taken"] == "Fan replaced"
    assert events[6].data["satisfaction"] == 5
    assert events[1].data["assignee"] == guest_relations.username
    # Reopened: resolution and feedback cleared, a fresh resolution deadline.
    complaint.refresh_from_db()
    assert complaint.resolved_at is None and complaint.satisfaction is None and complaint.closed_at is None
    assert complaint.resolution_due >= t0 + dt.timedelta(hours=8)


@pytest.mark.django_db
def test_transition_cannot_be_backdated_before_the_last_entry(hotel, guest_relations):
    complaint = ComplaintFactory(property=hotel)
    with pytest.raises(DomainError):
        move(complaint, S.ASSIGNED, by=guest_relations, at=complaint.received_at - dt.timedelta(days=2))


# --- the database refuses what the services would -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"status": "escalated"},
        {"satisfaction": 9},
        {"severity": "huge"},
        {"description": ""},
        {"compensation_money": -1},
    ],
)
def test_database_refuses_invalid_values(changes, hotel):
    complaint = ComplaintFactory(property=hotel)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(**changes)


@pytest.mark.django_db
def test_database_refuses_resolved_without_action(hotel):
    complaint = ComplaintFactory(property=hotel, status=S.INVESTIGATING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(status="resolved", resolved_at=timezone.now())


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_status_change_outside_the_workflow(hotel):
    complaint = ComplaintFactory(property=hotel, status=S.RESOLVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(status="investigating")
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.create(
            property=hotel,
            category="other",
            description="skipping intake",
            status="assigned",
            received_at=timezone.now(),
            first_response_due=timezone.now(),
            resolution_due=timezone.now(),
        )
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_timeline_is_append_only(hotel):
    complaint = ComplaintFactory(property=hotel, status=S.ASSIGNED)
    event = complaint.events.order_by("pk").last()
    with pytest.raises(IntegrityError), transaction.atomic():
        ComplaintEvent.objects.filter(pk=event.pk).update(to_status="closed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ComplaintEvent.objects.filter(pk=event.pk).delete()
    # A comment can be redacted (privacy erasure).
    ComplaintEvent.objects.filter(pk=event.pk).update(comment="")
    assert connection.vendor == "postgresql"


def test_every_status_has_a_path_from_intake():
    assert set(PATH) == set(S.values)
