"""The 360 API writes its answer without building ProfileSerializer's fields every time
(guests.api.profile_serializers.profile_representation): it must answer exactly what the
serializer would, byte for byte, with and without the revenue permission, in any time
zone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from crm_site.renderers import CrmJSONRenderer
from guests.api.profile_serializers import ProfileSerializer, profile_representation
from guests.models import GuestNote, Stay
from guests.selectors import guest_profile
from tests.factories import GuestFactory, GuestNoteFactory, GuestPreferenceFactory, StayFactory

pytestmark = pytest.mark.django_db


def _context(user) -> dict:
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    return {"request": request, "format": None, "view": None}


@pytest.fixture
def guest(hotel, other_hotel):
    guest = GuestFactory(family_name="Silva", given_name="Ana", birth_date=dt.date(1980, 2, 29), vip_code="GOLD")
    GuestPreferenceFactory(guest=guest, note="Quiet room", source_property=hotel)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text="Allergic to feathers", property=hotel)
    GuestNoteFactory(guest=guest, text="Likes the sea view")
    for i, (prop, status) in enumerate(
        [(hotel, Stay.Status.CHECKED_OUT), (other_hotel, Stay.Status.CANCELLED), (hotel, Stay.Status.RESERVED)]
    ):
        StayFactory(
            guest=guest,
            property=prop,
            status=status,
            arrival_date=dt.date(2025, 3, 1) + dt.timedelta(days=40 * i),
            room_revenue=Decimal("1234.5") + i,
            fnb_revenue=Decimal("0.05"),
            special_requests="ETA 22:10" if i else "",
            room_number=str(100 + i),
        )
    return guest


@pytest.mark.parametrize("role", ["chain_admin", "front_desk"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_same_answer_as_the_serializer(guest, role, zone, request):
    user = request.getfixturevalue(role)
    profile = guest_profile(guest_id=guest.pk, viewer=user)
    context = _context(user)
    with timezone.override(zone):
        fast = profile_representation(profile, context=context)
        slow = ProfileSerializer(profile, context=context).data
    assert fast == slow
    renderer = CrmJSONRenderer()
    assert renderer.render(fast) == renderer.render(slow)
    assert ("room_revenue" in fast["stays"][0]) is (role == "chain_admin")
    assert fast["stays"] and fast["alerts"] and fast["notes"] and fast["preferences"]


def test_without_a_viewer_no_amounts(guest, chain_admin):
    profile = guest_profile(guest_id=guest.pk, viewer=chain_admin)
    fast = profile_representation(profile, context={})
    assert fast == ProfileSerializer(profile, context={}).data
    assert "total_revenue" not in fast["stays"][0]
