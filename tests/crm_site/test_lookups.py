"""``field__in_ids``: ids as one parameter, the same rows as ``__in``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests.models import Stay
from tests.factories import StayFactory

pytestmark = pytest.mark.django_db


def test_in_ids_finds_what_in_finds(hotel):
    stays = [StayFactory(property=hotel) for _ in range(3)]
    ids = [stays[0].guest_id, str(stays[2].guest_id), 10**12]
    expected = set(
        Stay.objects.filter(guest_id__in=[stays[0].guest_id, stays[2].guest_id]).values_list("pk", flat=True)
    )
    with CaptureQueriesContext(connection) as ctx:
        found = set(Stay.objects.filter(guest_id__in_ids=ids).values_list("pk", flat=True))
    assert found == expected == {stays[0].pk, stays[2].pk}
    if connection.vendor == "postgresql":
        assert "= ANY(" in ctx.captured_queries[0]["sql"]
    assert set(Stay.objects.filter(pk__in_ids=[stays[1].pk]).values_list("pk", flat=True)) == {stays[1].pk}
    assert not Stay.objects.filter(guest_id__in_ids=[]).exists()
