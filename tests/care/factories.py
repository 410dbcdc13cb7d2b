"""Factories for the care app's models, and a helper for hand-built stay histories."""

import datetime as dt

import factory

from care.models import CareTask, ChurnWarning, ContactLog, StaySurvey
from guests.models import Stay
from tests.factories import GuestFactory, StayFactory


def stays_on(guest, prop, arrivals, *, nights=2, status=Stay.Status.CHECKED_OUT, prefix=None):
    """One stay per arrival date for ``guest`` at ``prop``."""
    prefix = prefix or f"G{guest.pk}-"
    return [
        StayFactory(
            guest=guest,
            property=prop,
            confirmation_number=f"{prefix}{i:03d}-{arrival:%Y%m%d}",
            arrival_date=arrival,
            departure_date=arrival + dt.timedelta(days=nights),
            status=status,
        )
        for i, arrival in enumerate(arrivals)
    ]


class ChurnWarningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChurnWarning

    guest = factory.SubFactory(GuestFactory)
    status = ChurnWarning.Status.OPEN
    reasons = factory.LazyFunction(
        lambda: {
            "lapsed": {
                "stays": 3,
                "visits": 3,
                "last_departure": "2024-05-03",
                "days_since_last_departure": 400,
                "median_gap_days": 90.0,
                "threshold_days": 365,
            }
        }
    )
    score = 50
    score_detail = factory.LazyFunction(lambda: {"segment": 5, "reason": 20, "recency": 16})
    segment = "vip"
    last_departure = dt.date(2024, 5, 3)
    last_arrival = dt.date(2024, 5, 1)
    opened_on = dt.date(2025, 6, 1)
    as_of = dt.date(2025, 6, 1)


class CareTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTask

    guest = factory.SubFactory(GuestFactory)
    kind = CareTask.Kind.BIRTHDAY
    due_date = factory.LazyFunction(dt.date.today)
    built_on = factory.LazyFunction(dt.date.today)
    details = factory.LazyAttribute(lambda o: {"date": o.due_date.isoformat(), "turning": 40})


class StaySurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaySurvey

    stay = factory.SubFactory(StayFactory)
    guest = factory.LazyAttribute(lambda o: o.stay.guest)
    overall = 5
    received_on = factory.LazyAttribute(lambda o: o.stay.departure_date)


class ContactLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactLog

    guest = factory.SubFactory(GuestFactory)
    kind = ContactLog.Kind.CARE_DONE
