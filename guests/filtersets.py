import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Guest, Property, Stay

MAX_ID = 2**63 - 1


def id_filter(field_name: str) -> django_filters.NumberFilter:
    """An id: a whole number in the database's range (anything else is a 400 naming the
    filter, never an overflow in the database driver)."""
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID, decimal_places=0)


class GuestFilterSet(django_filters.FilterSet):
    nationality = django_filters.CharFilter(lookup_expr="iexact")
    company = id_filter("company_id")
    email = django_filters.CharFilter(lookup_expr="iexact")
    vip_code = django_filters.CharFilter()
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    segment = django_filters.CharFilter(method="filter_segment", label=_("Pyramid segment (current run)"))

    class Meta:
        model = Guest
        fields = ["nationality", "company", "email", "vip_code", "gender", "updated_since", "segment"]

    def filter_segment(self, queryset, name, value):
        """``vip`` or ``vip,major``; an unknown code is a 400 naming ``segment``."""
        from analytics.selectors import guest_ids_in_segment

        return queryset.filter(pk__in=guest_ids_in_segment(value))


class StayFilterSet(django_filters.FilterSet):
    property = django_filters.CharFilter(field_name="property__code", lookup_expr="iexact")
    guest = id_filter("guest_id")
    arrival_from = django_filters.DateFilter(field_name="arrival_date", lookup_expr="gte")
    arrival_to = django_filters.DateFilter(field_name="arrival_date", lookup_expr="lte")
    confirmation_number = django_filters.CharFilter()

    class Meta:
        model = Stay
        fields = ["property", "guest", "status", "channel", "arrival_from", "arrival_to", "confirmation_number"]


class PropertyFilterSet(django_filters.FilterSet):
    class Meta:
        model = Property
        fields = ["code", "country", "is_active"]
