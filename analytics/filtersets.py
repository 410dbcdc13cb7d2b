import django_filters

from .models import SegmentationRun


class SegmentationRunFilterSet(django_filters.FilterSet):
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = SegmentationRun
        fields = ["status", "is_current", "trigger", "as_of", "as_of_from", "as_of_to"]
