"""Guests filterable by segment: ``analytics.selectors.guest_ids_in_segment`` and the
``?segment=`` filter proposed for ``guests/filtersets.py`` (see the analytics README)."""

import datetime as dt

import django_filters
import pytest

from analytics import selectors, services
from crm_site.errors import DomainError
from guests.filtersets import GuestFilterSet
from guests.models import Guest
from tests.analytics.factories import AS_OF, chain, guests

pytestmark = pytest.mark.django_db


class GuestFilterSetWithSegment(GuestFilterSet):
    """Exactly the lines proposed for guests/filtersets.py."""

    segment = django_filters.CharFilter(method="filter_segment", label="Pyramid segment (current run)")

    def filter_segment(self, queryset, name, value):
        from analytics.selectors import guest_ids_in_segment

        return queryset.filter(pk__in=guest_ids_in_segment(value))


@pytest.fixture
def segmented(hotel):
    people = chain([1000 - i for i in range(20)], prop=hotel)  # 1 VIP, 3 Ordinary, 16 Small
    (prospect,) = guests(1)
    earlier = services.segmentation_run(as_of=AS_OF - dt.timedelta(days=1))
    services.segmentation_run(as_of=AS_OF)
    return {"people": people, "prospect": prospect, "earlier": earlier}


def test_guest_ids_in_segment_is_one_subquery(segmented, django_assert_num_queries):
    with django_assert_num_queries(1):
        ids = list(Guest.objects.filter(pk__in=selectors.guest_ids_in_segment("vip")).values_list("pk", flat=True))
    assert ids == [segmented["people"][0].pk]
    both = Guest.objects.filter(pk__in=selectors.guest_ids_in_segment("vip, ordinary"))
    assert both.count() == 4
    prospects = Guest.objects.filter(pk__in=selectors.guest_ids_in_segment(["prospect"]))
    assert list(prospects) == [segmented["prospect"]]


def test_guest_ids_in_segment_of_a_given_run(segmented):
    ids = selectors.guest_ids_in_segment("small", run=segmented["earlier"])
    assert ids.count() == 16


def test_unknown_segment_names_the_field(segmented):
    with pytest.raises(DomainError) as info:
        selectors.guest_ids_in_segment("gold")
    assert info.value.field == "segment"


def test_no_current_run_means_no_guests(hotel):
    chain([100], prop=hotel)
    assert not Guest.objects.filter(pk__in=selectors.guest_ids_in_segment("vip")).exists()


def test_current_segments_is_one_query(segmented, django_assert_num_queries):
    ids = [g.pk for g in segmented["people"][:5]] + [segmented["prospect"].pk, 10**9]
    with django_assert_num_queries(1):
        found = selectors.current_segments(ids)
    assert found[segmented["people"][0].pk] == "vip"
    assert found[segmented["prospect"].pk] == "prospect"
    assert 10**9 not in found
    assert selectors.current_segments([]) == {}


def test_current_run(segmented):
    assert selectors.current_run().as_of == AS_OF


def test_proposed_guest_filter(segmented):
    filtered = GuestFilterSetWithSegment({"segment": "vip"}, queryset=Guest.objects.all()).qs
    assert list(filtered) == [segmented["people"][0]]
    with pytest.raises(DomainError):
        list(GuestFilterSetWithSegment({"segment": "gold"}, queryset=Guest.objects.all()).qs)
