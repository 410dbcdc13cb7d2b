"""Compensation in points reaches the loyalty ledger exactly once."""

import pytest

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from complaints.services import compensation
from crm_site.errors import DomainError
from loyalty.models import PointsTransaction
from tests.complaints.factories import ComplaintFactory, move

S = Complaint.Status


def _ledger(complaint):
    return PointsTransaction.objects.filter(idempotency_key=f"complaint-{complaint.pk}-compensation")


@pytest.mark.django_db
def test_points_posted_once_even_after_reopen_and_re_resolve(hotel, guest_relations):
    complaint = ComplaintFactory(property=hotel, status=S.INVESTIGATING, handler=guest_relations)
    complaint = move(complaint, S.RESOLVED, by=guest_relations, compensation_points=1500, compensation_money="25.50")
    assert _ledger(complaint).count() == 1
    entry = _ledger(complaint).get()
    assert entry.points == 1500 and entry.membership.guest_id == complaint.guest_id
    assert complaint.compensation_posted_at is not None
    assert complaint.events.filter(kind=ComplaintEvent.Kind.COMPENSATION_POSTED).count() == 1

    complaint = move(complaint, S.INVESTIGATING, by=guest_relations, comment="Still noisy")
    complaint = move(complaint, S.RESOLVED, by=guest_relations, compensation_points=1500)
    assert services.compensations_post_pending() == 0
    assert _ledger(complaint).count() == 1
    assert complaint.events.filter(kind=ComplaintEvent.Kind.COMPENSATION_POSTED).count() == 1


@pytest.mark.django_db
def test_posted_points_cannot_change(hotel, guest_relations):
    complaint = ComplaintFactory(
        property=hotel, status=S.RESOLVED, handler=guest_relations, resolve_inputs={"compensation_points": 500}
    )
    complaint = move(complaint, S.INVESTIGATING, by=guest_relations, comment="Reopened")
    with pytest.raises(DomainError) as caught:
        move(complaint, S.RESOLVED, by=guest_relations, compensation_points=900)
    assert caught.value.field == "compensation_points"
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING and complaint.compensation_points == 500
    assert _ledger(complaint).get().points == 500


@pytest.mark.django_db
def test_points_need_a_guest(hotel, guest_relations):
    complaint = ComplaintFactory(property=hotel, guest=None, stay=None, status=S.INVESTIGATING)
    with pytest.raises(DomainError) as caught:
        move(complaint, S.RESOLVED, by=guest_relations, compensation_points=100)
    assert caught.value.field == "compensation_points"
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING
    assert not PointsTransaction.objects.exists()


@pytest.mark.django_db
def test_money_only_posts_nothing_to_the_ledger(hotel, guest_relations):
    complaint = ComplaintFactory(
        property=hotel, status=S.RESOLVED, resolve_inputs={"compensation_money": "40", "compensation_points": 0}
    )
    assert complaint.compensation_money == 40 and complaint.compensation_currency == hotel.currency
    assert not PointsTransaction.objects.exists()


@pytest.mark.django_db
def test_a_failing_ledger_rolls_the_resolution_back(hotel, guest_relations, monkeypatch):
    import loyalty.services

    def refuse(**kwargs):
        raise DomainError("Ledger closed", field="points")

    monkeypatch.setattr(loyalty.services, "points_post_compensation", refuse)
    complaint = ComplaintFactory(property=hotel, status=S.INVESTIGATING)
    with pytest.raises(DomainError):
        move(complaint, S.RESOLVED, by=guest_relations, compensation_points=100)
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING and complaint.compensation_points == 0
    assert not complaint.events.filter(to_status=S.RESOLVED).exists()


@pytest.mark.django_db
def test_compensation_recorded_while_loyalty_is_unavailable_is_posted_later(hotel, guest_relations, monkeypatch):
    monkeypatch.setattr(compensation, "_loyalty_poster", lambda: None)
    complaint = ComplaintFactory(property=hotel, status=S.RESOLVED, resolve_inputs={"compensation_points": 300})
    assert complaint.compensation_posted_at is None and not _ledger(complaint).exists()
    monkeypatch.undo()
    from complaints import tasks

    assert tasks.escalate_overdue()["compensations_posted"] == 1
    assert tasks.escalate_overdue()["compensations_posted"] == 0
    assert _ledger(complaint).count() == 1
