"""API shapes of the run table.  The service decides; these only describe."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import NightlyRun, NightlyStep


class NightlyStepSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_name_display", help_text=_("The step's name for people."))
    counts = serializers.DictField(help_text=_("What the step's service reported (rows read, written, changed...)."))

    class Meta:
        model = NightlyStep
        fields = ["name", "label", "position", "status", "started_at", "finished_at", "duration_ms", "counts", "error"]
        read_only_fields = fields


class NightlyRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    steps = NightlyStepSerializer(many=True, read_only=True)

    class Meta:
        model = NightlyRun
        fields = [
            "id",
            "as_of",
            "status",
            "trigger",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "updated_at",
            "error",
            "steps",
        ]
        read_only_fields = fields


class NightlyRunRequestSerializer(serializers.Serializer):
    as_of = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=32,
        help_text=_("The date to (re)run, YYYY-MM-DD; default today; never in the future."),
    )
