"""The demo seed: complaints in every state, some overdue, compensated through the real
services, linked consistently to demo guests and stays; a rerun adds nothing."""

import pytest
from django.db.models import F
from django.utils import timezone

from complaints import demo as complaints_demo
from complaints.models import Complaint, ComplaintEvent
from complaints.selectors import overdue_q
from guests import demo as guests_demo
from loyalty.models import PointsTransaction


@pytest.mark.django_db
def test_demo_seed_covers_every_state_and_is_idempotent():
    ctx = guests_demo.seed(guests=60, seed=3)
    complaints_demo.seed(ctx)
    count = Complaint.objects.count()
    assert count == len(complaints_demo.PLAN)
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Complaint.Status.values)
    assert Complaint.objects.filter(overdue_q(timezone.now())).count() >= 5
    assert ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.REOPENED).exists()
    # Linked consistently: the stay is the guest's, at the complaint's property.
    assert not Complaint.objects.exclude(stay__guest_id=F("guest_id")).exists()
    assert not Complaint.objects.exclude(stay__property_id=F("property_id")).exists()
    compensated = Complaint.objects.filter(compensation_points__gt=0, compensation_posted_at__isnull=False)
    assert compensated.exists()
    assert PointsTransaction.objects.filter(idempotency_key__startswith="complaint-").count() == compensated.count()
    assert Complaint.objects.filter(resolved_at__gt=F("resolution_due")).exists()  # some were late

    complaints_demo.seed(ctx)
    assert Complaint.objects.count() == count
