"""Small hand-made chains for the segmentation tests.

``AS_OF`` is a few days before today (the service refuses future dates), and every stay
is placed relative to it, so the hand-computed figures hold on any day the suite runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from analytics.models import SegmentationRun
from guests.models import Guest, Stay
from tests.factories import PropertyFactory

AS_OF = timezone.localdate() - dt.timedelta(days=10)
_confirmation = itertools.count(1)


def guests(n: int, *, prefix: str = "G", created_days_before: int = 1000) -> list[Guest]:
    """``n`` guests with ascending ids (the tie-break order), whose profiles exist since
    ``created_days_before`` days before ``AS_OF``."""
    created = Guest.objects.bulk_create(
        [Guest(family_name_latin=f"{prefix}{i:04d}", given_name_latin="Test") for i in range(n)]
    )
    created_at = timezone.now() - dt.timedelta(days=(timezone.localdate() - AS_OF).days + created_days_before)
    Guest.objects.filter(pk__in=[g.pk for g in created]).update(created_at=created_at)
    return sorted(created, key=lambda g: g.pk)


def stay(
    guest: Guest | None,
    revenue,
    *,
    prop=None,
    departed: int = 5,
    nights: int = 2,
    status: str = Stay.Status.CHECKED_OUT,
    build_only: bool = False,
) -> Stay:
    """A stay departing ``departed`` days before ``AS_OF`` with that net total."""
    departure = AS_OF - dt.timedelta(days=departed)
    total = Decimal(str(revenue))
    obj = Stay(
        property=prop or PropertyFactory(code="LIS"),
        guest=guest,
        confirmation_number=f"T{next(_confirmation):08d}",
        arrival_date=departure - dt.timedelta(days=nights),
        departure_date=departure,
        nights=nights,
        status=status,
        room_revenue=total,
        total_revenue=total,
    )
    if build_only:
        return obj
    obj.save()
    return obj


def chain(revenues, *, prop=None, departed: int = 5) -> list[Guest]:
    """One guest per revenue (in id order), each with one checked-out stay."""
    prop = prop or PropertyFactory(code="LIS")
    people = guests(len(revenues))
    Stay.objects.bulk_create(
        [stay(g, r, prop=prop, departed=departed, build_only=True) for g, r in zip(people, revenues, strict=True)]
    )
    return people


class SegmentationRunFactory(factory.django.DjangoModelFactory):
    """A bare run row (for tests of the run list); real runs come from the service."""

    class Meta:
        model = SegmentationRun

    as_of = AS_OF
    status = SegmentationRun.Status.FAILED
    started_at = factory.LazyFunction(timezone.now)
