"""The care part of the 360 view: surveys, open care items and the stays a survey can be
recorded for, each row as the section writes it, at the viewer's properties only."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from care.guest_section import guest_care_profile
from care.models import CareTask
from guests.models import Stay
from tests.factories import GuestFactory, StayFactory

from .factories import CareTaskFactory, StaySurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest(hotel, other_hotel):
    guest = GuestFactory()
    surveyed = StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2025, 1, 10))
    StaySurveyFactory(stay=surveyed, overall=4, comment="Fine & quiet")
    top = StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2025, 2, 10))
    StaySurveyFactory(stay=top, overall=5)
    StaySurveyFactory(stay=StayFactory(guest=guest, property=other_hotel, arrival_date=dt.date(2025, 3, 1)))
    StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2025, 4, 1), confirmation_number="OPEN-1")
    StayFactory(guest=guest, property=hotel, status=Stay.Status.CANCELLED, arrival_date=dt.date(2025, 5, 1))
    StayFactory(guest=guest, property=other_hotel, arrival_date=dt.date(2025, 6, 1))
    CareTaskFactory(guest=guest, property=hotel, due_date=dt.date(2026, 1, 5))
    CareTaskFactory(guest=guest, property=hotel, kind=CareTask.Kind.POST_STAY, due_date=dt.date(2026, 1, 2))
    CareTaskFactory(
        guest=guest, property=hotel, status=CareTask.Status.DONE, done_at=timezone.now(), due_date=dt.date(2026, 1, 1)
    )
    CareTaskFactory(guest=guest, property=other_hotel, due_date=dt.date(2026, 1, 3))
    return guest


def test_rows_at_the_viewers_properties(guest, hotel, guest_relations):
    with translation.override("en"):
        data = guest_care_profile(guest, guest_relations)
    assert data["surveys"] == [
        {
            "stay": s.stay_id,
            "property": "LIS",
            "confirmation_number": s.stay.confirmation_number,
            "overall": s.overall,
            "top_box": s.overall == 5,
            "comment": s.comment,
            "received_on": s.received_on.isoformat(),
        }
        for s in guest.surveys.filter(stay__property=hotel).order_by("-received_on", "-id")
    ]
    assert [s["overall"] for s in data["surveys"]] == [5, 4]
    assert data["care_items"] == [
        {"id": t.pk, "kind": t.kind, "label": str(t.get_kind_display()), "due_date": t.due_date.isoformat()}
        for t in CareTask.objects.filter(guest=guest, property=hotel, status="open").order_by("due_date", "id")
    ]
    assert [t["kind"] for t in data["care_items"]] == [CareTask.Kind.POST_STAY, CareTask.Kind.BIRTHDAY]


def test_stays_a_survey_can_be_recorded_for(guest, chain_admin):
    data = guest_care_profile(guest, chain_admin)
    expected = Stay.objects.filter(guest=guest, status=Stay.Status.CHECKED_OUT, survey__isnull=True)
    assert data["survey_stays"] == [
        {"id": s.pk, "label": f"{s.property.code} · {s.confirmation_number} · {s.departure_date:%Y-%m-%d}"}
        for s in expected.order_by("-departure_date", "-id")
    ]
    assert len(data["survey_stays"]) == 2
