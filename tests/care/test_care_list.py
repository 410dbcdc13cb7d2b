"""The daily care list: who is on it, idempotency, consent, marking items done, e-mails."""

import datetime as dt
import smtplib

import pytest
from django.core import mail

from care import rules, services
from care.models import CareEmailTemplate, CareTask, ContactLog
from crm_site.errors import ConflictError, DomainError, NotFound
from guests.models import Stay
from outbox import services as outbox_services
from outbox import tasks as outbox_tasks
from outbox.models import OutboundEmail
from tests.factories import GuestFactory

from .factories import CareTaskFactory, ChurnWarningFactory, stays_on

DAY = dt.date(2025, 6, 30)


def birth(in_days, age=40):
    date = DAY + dt.timedelta(days=in_days)
    return date.replace(year=date.year - age)


def arriving(guest, hotel, in_days):
    return stays_on(
        guest, hotel, [DAY + dt.timedelta(days=in_days)], status=Stay.Status.RESERVED, prefix=f"ARR{guest.pk}-"
    )[0]


def tasks(**filters):
    return list(
        CareTask.objects.filter(**filters).order_by("guest_id", "kind").values_list("guest_id", "kind", "due_date")
    )


def test_birthdays_of_arriving_guests_within_the_week(hotel):
    today = GuestFactory(birth_date=birth(0))
    in_six = GuestFactory(birth_date=birth(6))
    in_seven = GuestFactory(birth_date=birth(7))
    not_arriving = GuestFactory(birth_date=birth(2))
    for guest in (today, in_six, in_seven):
        arriving(guest, hotel, 1)
    stay = arriving(GuestFactory(birth_date=birth(3)), hotel, 6)
    stays_on(not_arriving, hotel, [DAY - dt.timedelta(days=90)])
    result = services.care_list_build(day=DAY)
    assert result["kinds"]["birthday"] == 3
    assert tasks(kind="birthday") == [
        (today.pk, "birthday", DAY),
        (in_six.pk, "birthday", DAY + dt.timedelta(days=6)),
        (stay.guest_id, "birthday", DAY + dt.timedelta(days=3)),
    ]
    task = CareTask.objects.get(guest=stay.guest)
    assert (task.property, task.stay, task.details["why"], task.details["turning"]) == (hotel, stay, "arriving", 40)


def test_birthdays_and_anniversaries_of_vip_and_major_guests(hotel, other_hotel, segments):
    vip = GuestFactory(birth_date=birth(2))
    stays_on(vip, hotel, [DAY - dt.timedelta(days=400)])
    stays_on(vip, other_hotel, [DAY - dt.timedelta(days=60)])
    small = GuestFactory(birth_date=birth(2))
    opted_out = GuestFactory(birth_date=birth(2), profiling_opt_out=True)
    first = (DAY + dt.timedelta(days=4)).replace(year=DAY.year - 3)
    loyal = GuestFactory()
    stays_on(loyal, hotel, [first, DAY - dt.timedelta(days=30)])
    too_new = GuestFactory()
    stays_on(too_new, hotel, [DAY], nights=0)  # first stay today: no anniversary before next year
    segments({vip: "vip", small: "small", opted_out: "vip", loyal: "major", too_new: "vip"})
    services.care_list_build(day=DAY)
    assert tasks() == [
        (vip.pk, "birthday", DAY + dt.timedelta(days=2)),
        (loyal.pk, "anniversary", DAY + dt.timedelta(days=4)),
    ]
    vip_task = CareTask.objects.get(guest=vip)
    assert vip_task.property == other_hotel  # the property of the last stay
    assert vip_task.details["segment"] == "vip"
    assert CareTask.objects.get(guest=loyal).details["years"] == 3


def test_29_february_birthdays_are_kept_on_28_february(db):
    day = dt.date(2025, 2, 25)
    guest = GuestFactory(birth_date=dt.date(2000, 2, 29))
    stays_on(guest, _hotel(), [day + dt.timedelta(days=1)], status=Stay.Status.RESERVED)
    services.care_list_build(day=day)
    assert tasks() == [(guest.pk, "birthday", dt.date(2025, 2, 28))]


def _hotel():
    from tests.factories import PropertyFactory

    return PropertyFactory(code="LEAP")


def test_post_stay_follow_up_the_day_after_checkout_for_vip_and_major(hotel, segments):
    vip = GuestFactory()
    yesterday = stays_on(vip, hotel, [DAY - dt.timedelta(days=3)], nights=2)[0]
    major = GuestFactory()
    stays_on(major, hotel, [DAY - dt.timedelta(days=4)], nights=2)  # left 2 days ago: caught up
    small = GuestFactory()
    stays_on(small, hotel, [DAY - dt.timedelta(days=3)], nights=2)
    in_house = GuestFactory()
    stays_on(in_house, hotel, [DAY - dt.timedelta(days=3)], nights=2, status=Stay.Status.IN_HOUSE)
    segments({vip: "vip", major: "major", small: "small", in_house: "vip"})
    services.care_list_build(day=DAY)
    assert tasks(kind="post_stay") == [
        (vip.pk, "post_stay", DAY),
        (major.pk, "post_stay", DAY - dt.timedelta(days=1)),
    ]
    assert CareTask.objects.get(guest=vip).stay == yesterday


def test_win_back_once_per_lapsed_valuable_warning(segments):
    vip = ChurnWarningFactory(segment="vip")
    ChurnWarningFactory(segment="small")
    ChurnWarningFactory(segment="major", reasons={"declining": {"stays_last_12_months": 0}})
    services.care_list_build(day=DAY)
    services.care_list_build(day=DAY + dt.timedelta(days=1))
    assert tasks(kind="win_back") == [(vip.guest_id, "win_back", DAY)]
    assert CareTask.objects.get(kind="win_back").warning == vip


def test_rebuilding_adds_nothing(hotel, segments):
    guest = GuestFactory(birth_date=birth(1))
    arriving(guest, hotel, 0)
    vip = ChurnWarningFactory(segment="vip")
    first = services.care_list_build(day=DAY)
    again = services.care_list_build(day=DAY)
    next_day = services.care_list_build(day=DAY + dt.timedelta(days=1))
    assert (first["created"], again["created"], next_day["created"]) == (2, 0, 0)
    assert CareTask.objects.count() == 2
    assert vip


def test_merged_and_anonymised_guests_are_left_out(hotel):
    survivor = GuestFactory(birth_date=birth(1))
    merged = GuestFactory(birth_date=birth(1), merged_into=survivor)
    erased = GuestFactory(birth_date=birth(1), is_anonymised=True)
    for guest in (merged, erased):
        arriving(guest, hotel, 0)
    services.care_list_build(day=DAY)
    assert not CareTask.objects.exists()


def test_future_day_is_refused(db):
    with pytest.raises(DomainError) as exc:
        services.care_list_build(day=dt.date.today() + dt.timedelta(days=3))
    assert exc.value.field == "day"


# --- Working the list -------------------------------------------------------------------------


def test_done_logs_a_contact_on_the_guest(hotel, guest_relations):
    task = CareTaskFactory(guest__marketing_sms_consent=True, property=hotel)
    services.care_task_complete(task_id=task.pk, channel="sms", note="Sent wishes", by=guest_relations)
    task.refresh_from_db()
    assert (task.status, task.channel, task.done_by) == ("done", "sms", guest_relations)
    log = ContactLog.objects.get(guest=task.guest)
    assert (log.kind, log.care_task, log.channel, log.note) == ("care_done", task, "sms", "Sent wishes")
    with pytest.raises(ConflictError):
        services.care_task_complete(task_id=task.pk, by=guest_relations)


def test_without_consent_only_in_person_or_internal(hotel, guest_relations):
    task = CareTaskFactory(property=hotel)  # factory guests have no marketing consent
    assert rules.do_not_contact(task.guest)
    for channel in ("phone", "email", "sms", "letter"):
        with pytest.raises(DomainError) as exc:
            services.care_task_complete(task_id=task.pk, channel=channel, by=guest_relations)
        assert exc.value.field == "channel"
    assert not ContactLog.objects.exists()
    services.care_task_complete(task_id=task.pk, channel="in_person", by=guest_relations)
    assert ContactLog.objects.get().channel == "in_person"


def test_other_properties_items_are_out_of_reach(other_hotel, guest_relations, sales_manager):
    task = CareTaskFactory(property=other_hotel)
    with pytest.raises(NotFound):  # another hotel's item does not exist for them
        services.care_task_complete(task_id=task.pk, by=guest_relations)
    services.care_task_complete(task_id=task.pk, by=sales_manager)  # chain-wide


def test_email_only_with_consent_once(hotel, sales_manager, django_capture_on_commit_callbacks):
    CareEmailTemplate.objects.create(
        kind="birthday", subject="Parabéns {{ guest.given_name_latin }}!", body="From {{ hotel }} — {{ task.due_date }}"
    )
    task = CareTaskFactory(property=hotel, guest__marketing_email_consent=True, guest__given_name_latin="Ana")
    with django_capture_on_commit_callbacks(execute=True):
        services.care_task_send_email(task_id=task.pk, by=sales_manager)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Parabéns Ana!"
    assert mail.outbox[0].to == [task.guest.email]
    assert hotel.name in mail.outbox[0].body
    assert ContactLog.objects.get(guest=task.guest).kind == "care_email"
    with pytest.raises(ConflictError):
        services.care_task_send_email(task_id=task.pk, by=sales_manager)
    no_consent = CareTaskFactory(property=hotel)
    with pytest.raises(DomainError) as exc:
        services.care_task_send_email(task_id=no_consent.pk, by=sales_manager)
    assert exc.value.field == "email"
    assert len(mail.outbox) == 1


def test_default_template_and_withdrawn_consent_at_sending_time(hotel, sales_manager):
    task = CareTaskFactory(property=hotel, kind="win_back", guest__marketing_email_consent=True)
    subject, body = services.render_care_email(task)
    assert task.guest.display_name in subject and hotel.name in body
    services.care_task_send_email(task_id=task.pk, by=sales_manager)  # queued; the broker never ran it
    task.guest.marketing_email_consent = False
    task.guest.save()
    assert outbox_services.emails_deliver_due() == {"cancelled": 1}
    assert not mail.outbox
    assert CareTask.objects.get(pk=task.pk).email_status == "cancelled"


def test_automatic_emails_reach_only_consenting_guests(hotel, django_capture_on_commit_callbacks):
    yes = GuestFactory(birth_date=birth(1), marketing_email_consent=True)
    no = GuestFactory(birth_date=birth(1))
    for guest in (yes, no):
        arriving(guest, hotel, 0)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.care_list_build(day=DAY, send_emails=True)
    assert result["emailed"] == 1
    assert [m.to for m in mail.outbox] == [[yes.email]]
    sent = CareTask.objects.select_related("email").get(guest=yes)
    assert sent.email_status == "sent" and sent.email.sent_at is not None
    assert sent.email.consent_purpose == "marketing_email" and sent.email.guest_ref == yes.pk
    assert CareTask.objects.get(guest=no).email is None


# --- Through the outbox: never marked sent before the mail server accepted it --------------------


def _broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox_tasks.deliver_email, "delay", refuse)


def test_broker_down_the_care_email_waits_and_the_sweep_sends_it_once(
    hotel, sales_manager, monkeypatch, django_capture_on_commit_callbacks
):
    _broker_down(monkeypatch)
    task = CareTaskFactory(property=hotel, guest__marketing_email_consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.care_task_send_email(task_id=task.pk, by=sales_manager)
    task = CareTask.objects.select_related("email").get(pk=task.pk)
    assert task.email_status == "pending" and task.email.sent_at is None and not mail.outbox
    assert ContactLog.objects.get(care_task=task).kind == "care_email"
    # The broker is back: the periodic sweep sends the backlog, once.
    assert outbox_services.emails_deliver_due() == {"sent": 1}
    assert outbox_services.emails_deliver_due() == {}
    assert CareTask.objects.get(pk=task.pk).email_status == "sent"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [task.guest.email]
    with pytest.raises(ConflictError):
        services.care_task_send_email(task_id=task.pk, by=sales_manager)


def test_broker_down_during_the_nightly_build_loses_no_email(hotel, monkeypatch, django_capture_on_commit_callbacks):
    _broker_down(monkeypatch)
    guest = GuestFactory(birth_date=birth(1), marketing_email_consent=True)
    arriving(guest, hotel, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.care_list_build(day=DAY, send_emails=True)["emailed"] == 1
    assert CareTask.objects.get(guest=guest).email_status == "pending" and not mail.outbox
    assert outbox_services.emails_deliver_due() == {"sent": 1}
    assert outbox_services.emails_deliver_due() == {}
    assert len(mail.outbox) == 1


def test_a_refusing_mail_server_is_retried_and_never_shown_as_sent(
    hotel, sales_manager, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    task = CareTaskFactory(property=hotel, guest__marketing_email_consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.care_task_send_email(task_id=task.pk, by=sales_manager)
    task = CareTask.objects.select_related("email").get(pk=task.pk)
    assert task.email_status == "pending" and task.email.sent_at is None
    assert task.email.attempts == 1 and "connection lost" in task.email.last_error
    assert not mail.outbox
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    # Retried at the backoff time, not before.
    assert outbox_services.emails_deliver_due() == {}
    later = task.email.next_attempt_at
    assert outbox_services.emails_deliver_due(now=later) == {"sent": 1}
    assert CareTask.objects.get(pk=task.pk).email_status == "sent" and len(mail.outbox) == 1


def test_a_failed_care_email_can_be_sent_again(hotel, sales_manager, settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    from django.core.mail.backends.locmem import EmailBackend

    task = CareTaskFactory(property=hotel, guest__marketing_email_consent=True)
    services.care_task_send_email(task_id=task.pk, by=sales_manager)

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({})

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", refuse)
        assert outbox_services.emails_deliver_due() == {"failed": 1}
    assert CareTask.objects.get(pk=task.pk).email_status == "failed"
    services.care_task_send_email(task_id=task.pk, by=sales_manager)  # queued again
    assert CareTask.objects.get(pk=task.pk).email_status == "pending"
    assert outbox_services.emails_deliver_due() == {"sent": 1}
    assert len(mail.outbox) == 1


def test_a_rolled_back_build_queues_no_email(hotel, monkeypatch):
    guest = GuestFactory(birth_date=birth(1), marketing_email_consent=True)
    arriving(guest, hotel, 0)

    def broken_log(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ContactLog.objects, "bulk_create", broken_log)
    with pytest.raises(RuntimeError):
        services.care_list_build(day=DAY, send_emails=True)
    assert not CareTask.objects.exists() and not OutboundEmail.objects.exists()
