"""The periodic task escalates each missed deadline once, to the property's duty managers."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from complaints import services, tasks
from complaints.models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintNotification
from crm_site import roles
from guests.models import StaffProfile
from tests.complaints.factories import ComplaintFactory, move
from tests.factories import UserFactory

S = Complaint.Status
H = dt.timedelta(hours=1)


def _duty_manager(prop, username, duty=True):
    user = UserFactory(username=username, roles=[roles.GUEST_RELATIONS], properties=[prop])
    StaffProfile.objects.filter(user=user).update(is_duty_manager=duty)
    return user


@pytest.fixture
def managers(hotel, other_hotel):
    return {
        "lis": _duty_manager(hotel, "duty.lis"),
        "lis_not_duty": _duty_manager(hotel, "plain.lis", duty=False),
        "alg": _duty_manager(other_hotel, "duty.alg"),
    }


@pytest.mark.django_db
def test_overdue_complaint_escalates_once_to_its_duty_managers(hotel, managers):
    complaint = ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)

    result = tasks.escalate_overdue()

    assert result == {"escalated": 1, "emails": 1, "compensations_posted": 0}
    escalation = ComplaintEscalation.objects.get()
    assert (escalation.complaint, escalation.kind) == (complaint, "first_response")
    assert escalation.deadline == complaint.first_response_due
    notified = set(ComplaintNotification.objects.values_list("recipient__username", flat=True))
    assert notified == {"duty.lis"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["duty.lis@hotel.example"]
    assert f"#{complaint.pk}" in mail.outbox[0].subject
    complaint.refresh_from_db()
    assert complaint.last_escalated_at is not None
    event = complaint.events.get(kind=ComplaintEvent.Kind.ESCALATED)
    assert event.by is None and event.data["notified"] == ["duty.lis"]

    # Reruns find nothing new: no second escalation, notification or e-mail.
    assert tasks.escalate_overdue() == {"escalated": 0, "emails": 0, "compensations_posted": 0}
    assert tasks.escalate_overdue() == {"escalated": 0, "emails": 0, "compensations_posted": 0}
    assert ComplaintEscalation.objects.count() == 1
    assert ComplaintNotification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert complaint.events.filter(kind=ComplaintEvent.Kind.ESCALATED).count() == 1


@pytest.mark.django_db
def test_each_breach_is_its_own_escalation(hotel, managers, guest_relations):
    now = timezone.now()
    complaint = ComplaintFactory(property=hotel, severity="critical", received_at=now - 2 * H)
    tasks.escalate_overdue(as_of=now.isoformat())
    move(complaint, S.ASSIGNED, by=guest_relations, handler=guest_relations, at=now)
    # Four hours after receipt the resolution deadline passes too: a second breach.
    later = now + 3 * H
    assert tasks.escalate_overdue(as_of=later.isoformat())["escalated"] == 1
    assert tasks.escalate_overdue(as_of=later.isoformat())["escalated"] == 0
    kinds = sorted(ComplaintEscalation.objects.values_list("kind", flat=True))
    assert kinds == ["first_response", "resolution"]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_received_and_overdue_on_both_deadlines_escalates_both_once(hotel, managers):
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 5 * H)
    assert tasks.escalate_overdue()["escalated"] == 2
    assert tasks.escalate_overdue()["escalated"] == 0


@pytest.mark.django_db
def test_on_time_and_resolved_complaints_are_not_escalated(hotel, managers):
    ComplaintFactory(property=hotel, severity="low", received_at=timezone.now() - 1 * H)
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 9 * H, status=S.RESOLVED)
    assert tasks.escalate_overdue()["escalated"] == 0
    assert not ComplaintEscalation.objects.exists()


@pytest.mark.django_db
def test_reopened_complaint_missing_its_new_deadline_escalates_again(hotel, managers, guest_relations):
    now = timezone.now()
    complaint = ComplaintFactory(property=hotel, severity="critical", received_at=now - 10 * H)
    tasks.escalate_overdue(as_of=now.isoformat())  # both deadlines missed
    assert ComplaintEscalation.objects.count() == 2
    complaint = services.complaint_transition(
        complaint=complaint, to="assigned", assignee=guest_relations, by=guest_relations
    )
    move(complaint, S.INVESTIGATING, by=guest_relations)
    complaint = move(Complaint.objects.get(pk=complaint.pk), S.RESOLVED, by=guest_relations)
    complaint = move(complaint, S.INVESTIGATING, by=guest_relations, comment="Again")
    much_later = complaint.resolution_due + H
    assert tasks.escalate_overdue(as_of=much_later.isoformat())["escalated"] == 1
    assert ComplaintEscalation.objects.filter(kind="resolution").count() == 2


@pytest.mark.django_db
def test_an_email_that_fails_is_retried_next_run(hotel, managers, monkeypatch):
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def broken(self, messages):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    assert tasks.escalate_overdue() == {"escalated": 1, "emails": 0, "compensations_posted": 0}
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert tasks.escalate_overdue() == {"escalated": 0, "emails": 1, "compensations_posted": 0}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_acknowledge_notification(hotel, managers):
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    tasks.escalate_overdue()
    notification = ComplaintNotification.objects.get()
    with pytest.raises(services.NotFound):
        services.notification_acknowledge(notification_id=notification.pk, by=managers["alg"])
    services.notification_acknowledge(notification_id=notification.pk, by=managers["lis"])
    notification.refresh_from_db()
    assert notification.acknowledged_at is not None


@pytest.mark.django_db
def test_escalate_overdue_through_celery_delay(hotel, managers):
    ComplaintFactory(property=hotel, severity="high", received_at=timezone.now() - 3 * H)
    result = tasks.escalate_overdue.delay()
    assert result.get() == {"escalated": 1, "emails": 1, "compensations_posted": 0}
    assert tasks.escalate_overdue.name == "complaints.tasks.escalate_overdue"
