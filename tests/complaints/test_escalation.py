"""The periodic task escalates each missed deadline once, to the property's duty managers."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from complaints import services, tasks
from complaints.models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintNotification
from crm_site import roles
from crm_site.errors import NotFound
from guests.models import StaffProfile
from outbox import services as outbox_services
from outbox import tasks as outbox_tasks
from outbox.models import OutboundEmail
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
def test_overdue_complaint_escalates_once_to_its_duty_managers(hotel, managers, django_capture_on_commit_callbacks):
    complaint = ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)

    with django_capture_on_commit_callbacks(execute=True):
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
    notification = ComplaintNotification.objects.select_related("email").get()
    assert notification.email.status == "sent" and notification.email.kind == "complaint_escalation"
    assert notification.email.guest_ref == complaint.guest_id
    complaint.refresh_from_db()
    assert complaint.last_escalated_at is not None
    event = complaint.events.get(kind=ComplaintEvent.Kind.ESCALATED)
    assert event.by is None and event.data["notified"] == ["duty.lis"]

    # Reruns find nothing new: no second escalation, notification or e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_overdue() == {"escalated": 0, "emails": 0, "compensations_posted": 0}
        assert tasks.escalate_overdue() == {"escalated": 0, "emails": 0, "compensations_posted": 0}
    assert outbox_services.emails_deliver_due() == {}
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
    assert outbox_services.emails_deliver_due() == {"sent": 2}
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
def test_a_refusing_mail_server_leaves_the_email_unsent_and_it_is_retried(
    hotel, managers, monkeypatch, django_capture_on_commit_callbacks
):
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def broken(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_overdue() == {"escalated": 1, "emails": 1, "compensations_posted": 0}
    email = ComplaintNotification.objects.select_related("email").get().email
    assert email.status == "pending" and email.sent_at is None and email.attempts == 1
    assert "mail server down" in email.last_error and not mail.outbox
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    # The periodic task does not send twice what the outbox holds; the outbox sweep
    # retries at the backoff time.
    assert tasks.escalate_overdue() == {"escalated": 0, "emails": 0, "compensations_posted": 0}
    assert outbox_services.emails_deliver_due(now=email.next_attempt_at) == {"sent": 1}
    assert outbox_services.emails_deliver_due(now=email.next_attempt_at + H) == {}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_broker_down_the_escalation_email_is_sent_once_by_the_sweep(
    hotel, managers, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox_tasks.deliver_email, "delay", refuse)
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_overdue()["escalated"] == 1  # the escalation commits all the same
    assert ComplaintEscalation.objects.count() == 1 and not mail.outbox
    assert OutboundEmail.objects.get().status == "pending"
    assert outbox_services.emails_deliver_due() == {"sent": 1}
    assert outbox_services.emails_deliver_due() == {}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_escalation_and_its_email_commit_or_roll_back_together(hotel, managers, monkeypatch):
    complaint = ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    from complaints.services import escalation

    real_add_event = escalation.add_event

    def failing_add_event(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(escalation, "add_event", failing_add_event)
    with pytest.raises(RuntimeError):
        services.complaint_escalate(complaint=complaint.pk)
    assert not ComplaintEscalation.objects.exists() and not ComplaintNotification.objects.exists()
    assert not OutboundEmail.objects.exists()
    monkeypatch.setattr(escalation, "add_event", real_add_event)
    created, queued = services.complaint_escalate(complaint=complaint.pk)
    assert len(created) == 1 and queued == 1
    email = OutboundEmail.objects.get()
    assert ComplaintNotification.objects.get().email == email and email.status == "pending"


@pytest.mark.django_db
def test_a_duty_manager_without_an_address_is_notified_but_not_emailed(hotel, managers):
    managers["lis"].email = ""
    managers["lis"].save()
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    assert tasks.escalate_overdue()["emails"] == 0
    notification = ComplaintNotification.objects.get()
    assert notification.recipient == managers["lis"] and notification.email is None


@pytest.mark.django_db
def test_acknowledge_notification(hotel, managers):
    ComplaintFactory(property=hotel, severity="critical", received_at=timezone.now() - 2 * H)
    tasks.escalate_overdue()
    notification = ComplaintNotification.objects.get()
    with pytest.raises(NotFound):
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
