"""Working a warning: assign, record outcomes, every action logged on the guest."""

import pytest

from care import services
from care.models import CareTask, ChurnWarning, ContactLog
from crm_site import roles
from crm_site.errors import ConflictError, DomainError, Forbidden
from tests.factories import UserFactory

from .factories import ChurnWarningFactory


@pytest.fixture
def warning(hotel):
    return ChurnWarningFactory(guest__marketing_email_consent=True, last_property=hotel)


@pytest.fixture
def salesperson(hotel):
    user = UserFactory(username="seller", roles=[roles.FRONT_DESK], properties=[hotel])
    user.staff_profile.is_salesperson = True
    user.staff_profile.save()
    return user


def test_assign_to_a_sales_manager_or_salesperson_is_logged(warning, sales_manager, salesperson):
    services.warning_assign(warning_id=warning.pk, assignee=salesperson, by=sales_manager)
    warning.refresh_from_db()
    assert warning.assigned_to == salesperson and warning.assigned_at is not None
    log = ContactLog.objects.get(guest=warning.guest)
    assert (log.kind, log.warning, log.created_by) == ("assigned", warning, sales_manager)
    assert log.details["assignee_id"] == salesperson.pk
    services.warning_assign(warning_id=warning.pk, assignee=sales_manager, by=sales_manager)
    services.warning_assign(warning_id=warning.pk, assignee=sales_manager, by=sales_manager)  # no change, no log
    assert ContactLog.objects.filter(guest=warning.guest).count() == 2


def test_assign_to_someone_without_the_sales_role_is_refused(warning, sales_manager, front_desk):
    with pytest.raises(DomainError) as exc:
        services.warning_assign(warning_id=warning.pk, assignee=front_desk, by=sales_manager)
    assert exc.value.field == "assigned_to"
    warning.refresh_from_db()
    assert warning.assigned_to is None
    assert not ContactLog.objects.exists()


def test_only_who_may_assign_assigns(warning, front_desk, sales_manager):
    with pytest.raises(Forbidden):
        services.warning_assign(warning_id=warning.pk, assignee=sales_manager, by=front_desk)


def test_contacted_and_offer_keep_it_open_won_back_closes(warning, sales_manager):
    services.warning_record_outcome(
        warning_id=warning.pk, outcome="contacted", channel="phone", note="Left message", by=sales_manager
    )
    services.warning_record_outcome(warning_id=warning.pk, outcome="offer_made", channel="email", by=sales_manager)
    warning.refresh_from_db()
    assert (warning.status, warning.outcome) == ("open", "offer_made")
    task = CareTask.objects.create(
        guest=warning.guest, kind="win_back", due_date=warning.opened_on, built_on=warning.opened_on, warning=warning
    )
    services.warning_record_outcome(warning_id=warning.pk, outcome="won_back", by=sales_manager)
    warning.refresh_from_db()
    assert (warning.status, warning.outcome, warning.outcome_by) == ("closed", "won_back", sales_manager)
    assert warning.closed_at is not None
    task.refresh_from_db()
    assert task.status == "cancelled"
    assert list(ContactLog.objects.filter(guest=warning.guest).order_by("id").values_list("outcome", "channel")) == [
        ("contacted", "phone"),
        ("offer_made", "email"),
        ("won_back", ""),
    ]
    with pytest.raises(ConflictError) as exc:
        services.warning_record_outcome(warning_id=warning.pk, outcome="contacted", by=sales_manager)
    assert exc.value.field == "outcome"


def test_lost_needs_a_reason_and_keeps_the_competitor(warning, sales_manager):
    with pytest.raises(DomainError) as exc:
        services.warning_record_outcome(warning_id=warning.pk, outcome="lost", competitor="X", by=sales_manager)
    assert exc.value.field == "lost_reason"
    with pytest.raises(DomainError) as exc:
        services.warning_record_outcome(warning_id=warning.pk, outcome="lost", lost_reason="bored", by=sales_manager)
    assert exc.value.field == "lost_reason"
    warning.refresh_from_db()
    assert warning.is_open and not ContactLog.objects.exists()
    services.warning_record_outcome(
        warning_id=warning.pk, outcome="lost", lost_reason="competitor", competitor="  Grand   Hotel ", by=sales_manager
    )
    warning.refresh_from_db()
    assert (warning.outcome, warning.lost_reason, warning.competitor) == ("lost", "competitor", "Grand Hotel")
    log = ContactLog.objects.get()
    assert log.details == {"lost_reason": "competitor", "competitor": "Grand Hotel"}


@pytest.mark.parametrize("outcome", ["returned", "cleared", "", "maybe"])
def test_system_or_unknown_outcomes_are_refused(warning, sales_manager, outcome):
    with pytest.raises(DomainError) as exc:
        services.warning_record_outcome(warning_id=warning.pk, outcome=outcome, by=sales_manager)
    assert exc.value.field == "outcome"


def test_consent_decides_the_channel(sales_manager):
    warning = ChurnWarningFactory(guest__marketing_email_consent=False, guest__marketing_sms_consent=False)
    for channel in ("phone", "email", "sms", "letter"):
        with pytest.raises(DomainError) as exc:
            services.warning_record_outcome(
                warning_id=warning.pk, outcome="contacted", channel=channel, by=sales_manager
            )
        assert exc.value.field == "channel"
    services.warning_record_outcome(warning_id=warning.pk, outcome="contacted", channel="in_person", by=sales_manager)
    sms_only = ChurnWarningFactory(guest__marketing_sms_consent=True)
    with pytest.raises(DomainError):
        services.warning_record_outcome(warning_id=sms_only.pk, outcome="contacted", channel="email", by=sales_manager)
    services.warning_record_outcome(warning_id=sms_only.pk, outcome="contacted", channel="phone", by=sales_manager)


def test_a_salesperson_works_only_their_warnings(warning, sales_manager, salesperson, hotel):
    other = ChurnWarningFactory(last_property=hotel)
    services.warning_assign(warning_id=warning.pk, assignee=salesperson, by=sales_manager)
    services.warning_record_outcome(warning_id=warning.pk, outcome="contacted", by=salesperson)
    with pytest.raises(Forbidden):
        services.warning_record_outcome(warning_id=other.pk, outcome="contacted", by=salesperson)


def test_a_salesperson_bound_to_a_hotel_does_not_see_another_hotels_warning(sales_manager, salesperson, other_hotel):
    """Even assigned to them: the warning belongs to the hotel of the guest's last stay."""
    from crm_site.errors import NotFound

    elsewhere = ChurnWarningFactory(last_property=other_hotel)
    services.warning_assign(warning_id=elsewhere.pk, assignee=salesperson, by=sales_manager)
    with pytest.raises(NotFound):
        services.warning_record_outcome(warning_id=elsewhere.pk, outcome="contacted", by=salesperson)
    assert ChurnWarning.objects.get(pk=elsewhere.pk).outcome == ""


def test_database_refuses_lost_without_reason(warning):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ChurnWarning.objects.filter(pk=warning.pk).update(status="closed", outcome="lost", lost_reason="")


def test_unknown_warning_is_404(sales_manager):
    from crm_site.errors import NotFound

    with pytest.raises(NotFound):
        services.warning_record_outcome(warning_id=999999, outcome="contacted", by=sales_manager)
