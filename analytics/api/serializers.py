"""API shapes for runs, the pyramid and the Pareto figures.  Selectors decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_site.revenue import RevenueFieldsMixin

from ..models import SegmentationRun


class SegmentationRunSerializer(RevenueFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = SegmentationRun
        fields = [
            "id",
            "as_of",
            "status",
            "is_current",
            "trigger",
            "parameters",
            "started_at",
            "finished_at",
            "duration_ms",
            "guest_count",
            "active_count",
            "segment_counts",
            "opted_out_count",
            "total_revenue",
            "previous_run",
            "migration",
            "guest_rows_pruned",
            "error",
        ]
        read_only_fields = fields


class PyramidSegmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    cut_percent = serializers.FloatField(allow_null=True, help_text=_("The segment's share of active guests."))
    count = serializers.IntegerField()
    guest_share = serializers.FloatField(allow_null=True)
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    revenue_share = serializers.FloatField(allow_null=True, help_text=_("Empty when net revenue is ≤ 0."))
    min_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text=_("Threshold: the lowest revenue in the segment.")
    )
    max_revenue = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class PyramidSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run.pk")
    as_of = serializers.DateField()
    property = serializers.CharField(source="property.code", allow_null=True, default=None)
    parameters = serializers.JSONField()
    active_guests = serializers.IntegerField()
    total_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    inactive = serializers.IntegerField()
    prospects = serializers.IntegerField(allow_null=True, help_text=_("Chain-wide only."))
    booked = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text=_(
            "Chain-wide only: guests not active but with a stay on the books "
            "(reserved or in house, departing on or after the as-of date)."
        ),
    )
    segments = PyramidSegmentSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    as_of = serializers.DateField()
    active_guests = serializers.IntegerField()
    total_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    top20_share = serializers.FloatField(allow_null=True)
    gini = serializers.FloatField(allow_null=True)
    segment_counts = serializers.DictField(child=serializers.IntegerField())


class ParetoSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run.pk")
    as_of = serializers.DateField()
    property = serializers.CharField(source="property.code", allow_null=True, default=None)
    active_guests = serializers.IntegerField()
    total_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    top_share_percent = serializers.FloatField()
    top_guests = serializers.IntegerField(help_text=_("Guests in the top group: ceil(active × top %)."))
    top20_share = serializers.FloatField(
        allow_null=True, help_text=_("Revenue share of the best-ranked fifth (20 %) of active guests.")
    )
    gini = serializers.FloatField(allow_null=True)
    lorenz = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text=_("[guest share, revenue share] from the poorest guest up."),
    )
    trend = TrendPointSerializer(many=True)
