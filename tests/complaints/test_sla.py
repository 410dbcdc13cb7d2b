"""Deadlines by severity, configurable, and how "time left" and "overdue" follow them."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone

from complaints import selectors, sla
from complaints.models import Complaint
from tests.complaints.factories import ComplaintFactory, move

S = Complaint.Status
H = dt.timedelta(hours=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("severity", "first", "resolution"),
    [("critical", 1, 4), ("high", 2, 12), ("medium", 4, 24), ("low", 4, 24)],
)
def test_default_deadlines_by_severity(severity, first, resolution, hotel):
    received = timezone.now() - dt.timedelta(minutes=30)
    complaint = ComplaintFactory(property=hotel, severity=severity, received_at=received)
    assert complaint.first_response_due == received + first * H
    assert complaint.resolution_due == received + resolution * H


@pytest.mark.django_db
def test_deadlines_come_from_settings(hotel):
    custom = {"critical": {"first_response": 0.5, "resolution": dt.timedelta(hours=2)}, "low": {"resolution": 72}}
    received = timezone.now()
    with override_settings(COMPLAINT_SLA=custom):
        critical = ComplaintFactory(property=hotel, severity="critical", received_at=received)
        low = ComplaintFactory(property=hotel, severity="low", received_at=received)
        high = ComplaintFactory(property=hotel, severity="high", received_at=received)
    assert (critical.first_response_due - received, critical.resolution_due - received) == (H / 2, 2 * H)
    assert (low.first_response_due - received, low.resolution_due - received) == (4 * H, 72 * H)
    assert (high.first_response_due - received, high.resolution_due - received) == (2 * H, 12 * H)


@pytest.mark.parametrize(
    "bad",
    [
        {"urgent": {"resolution": 1}},
        {"high": {"resolution": "soon"}},
        {"high": {"resolution": -1}},
        {"high": {"first_response": 20, "resolution": 10}},
        ["high"],
    ],
)
def test_malformed_settings_fail_loudly(bad):
    with override_settings(COMPLAINT_SLA=bad), pytest.raises(ImproperlyConfigured):
        sla.sla_table()


@pytest.mark.django_db
def test_first_response_is_when_someone_picks_it_up(hotel, guest_relations):
    received = timezone.now() - 3 * H
    complaint = ComplaintFactory(property=hotel, severity="critical", received_at=received)
    moved = move(complaint, S.ASSIGNED, by=guest_relations, handler=guest_relations, at=received + 2 * H)
    assert moved.first_response_at == received + 2 * H  # one hour late for a critical one


@pytest.mark.django_db
def test_time_left_overdue_and_ordering(hotel, guest_relations):
    now = timezone.now()
    late_first = ComplaintFactory(property=hotel, severity="critical", received_at=now - 2 * H)  # due -1h
    fresh = ComplaintFactory(property=hotel, severity="low", received_at=now)  # due +4h
    working = ComplaintFactory(property=hotel, severity="high", received_at=now - 1 * H)
    working = move(working, S.ASSIGNED, by=guest_relations, handler=guest_relations)  # resolution due +11h
    done = ComplaintFactory(property=hotel, severity="critical", received_at=now - 10 * H, status=S.RESOLVED)

    rows = list(selectors.complaint_list(viewer=guest_relations, now=now))
    assert [c.pk for c in rows] == [late_first.pk, fresh.pk, working.pk, done.pk]
    by_pk = {c.pk: c for c in rows}
    assert by_pk[late_first.pk].is_overdue and by_pk[late_first.pk].next_due == late_first.first_response_due
    assert not by_pk[fresh.pk].is_overdue
    assert by_pk[working.pk].next_due == working.resolution_due
    assert by_pk[done.pk].next_due is None and not by_pk[done.pk].is_overdue
    assert done.next_deadline is None and working.next_deadline == working.resolution_due


@pytest.mark.django_db
def test_reopen_gives_a_fresh_resolution_deadline(hotel, guest_relations):
    received = timezone.now() - 48 * H
    complaint = ComplaintFactory(property=hotel, severity="medium", received_at=received, status=S.RESOLVED)
    reopened = move(complaint, S.INVESTIGATING, by=guest_relations, comment="Came back")
    assert reopened.resolution_due > timezone.now() + 23 * H
