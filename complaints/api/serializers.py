"""API shapes.  Serializers parse and render; ``complaints.services`` decides."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_site.formfields import ApiDateField, coerced
from guests.models import Property, Stay

from ..models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintStatus
from ..services.common import checked_time
from ..services.intake import resolve_guest


class ComplaintSerializer(serializers.ModelSerializer):
    property = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    next_due = serializers.SerializerMethodField(help_text=_("The deadline that counts now; null once resolved."))
    time_left_seconds = serializers.SerializerMethodField(
        help_text=_("Seconds until next_due; negative when overdue; null once resolved.")
    )
    is_overdue = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField(help_text=_("Statuses the caller may move it to now."))

    class Meta:
        model = Complaint
        fields = [
            "id",
            "property",
            "guest",
            "stay",
            "channel",
            "category",
            "severity",
            "description",
            "source_reference",
            "status",
            "assignee",
            "created_by",
            "received_at",
            "first_response_due",
            "resolution_due",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "next_due",
            "time_left_seconds",
            "is_overdue",
            "last_escalated_at",
            "action_taken",
            "root_cause",
            "compensation_points",
            "compensation_money",
            "compensation_currency",
            "compensation_posted_at",
            "satisfaction",
            "feedback",
            "allowed_transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _now(self):
        if "now" not in self.context:
            self.context["now"] = timezone.now()
        return self.context["now"]

    def get_next_due(self, obj) -> str | None:
        due = obj.next_deadline
        return due.isoformat() if due else None

    def get_time_left_seconds(self, obj) -> int | None:
        due = obj.next_deadline
        return int((due - self._now()).total_seconds()) if due else None

    def get_is_overdue(self, obj) -> bool:
        due = obj.next_deadline
        return bool(due and due < self._now())

    def get_allowed_transitions(self, obj) -> list[str]:
        from ..workflow import allowed_transitions

        request = self.context.get("request")
        if request is None:
            return []
        return [t.target for t in allowed_transitions(obj.status, request.user)]


class ComplaintCreateSerializer(serializers.Serializer):
    """Intake.  ``property`` is a property code; ``guest`` and ``stay`` are ids.  Every
    invalid field is reported at once; the service then checks how they fit together
    (the stay at that property, of that guest) and the caller's scope."""

    property = serializers.CharField(max_length=12, help_text=_("Property code, e.g. LIS"))
    guest = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    stay = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices, default=Complaint.Channel.FRONT_DESK)
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    severity = serializers.ChoiceField(choices=Complaint.Severity.choices, default=Complaint.Severity.MEDIUM)
    description = serializers.CharField(max_length=5000)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    source_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_property(self, value):
        prop = Property.objects.filter(code=value.strip().upper(), is_active=True).first()
        if prop is None:
            raise serializers.ValidationError(_("Unknown property."))
        return prop

    def validate_guest(self, value):
        return coerced(resolve_guest, value)

    def validate_stay(self, value):
        if value is None:
            return None
        stay = Stay.objects.filter(pk=value).first()
        if stay is None:
            raise serializers.ValidationError(_("Unknown stay."))
        return stay

    def validate_received_at(self, value):
        return coerced(
            checked_time,
            value,
            field="received_at",
            now=timezone.now(),
            message=_("A complaint cannot be received in the future."),
        )


class TransitionSerializer(serializers.Serializer):
    """A move along the workflow, with what the target status needs."""

    to = serializers.ChoiceField(choices=Complaint.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    assignee = serializers.IntegerField(required=False, allow_null=True, help_text=_("User id (to: assigned)"))
    action_taken = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    compensation_points = serializers.IntegerField(required=False, allow_null=True)
    compensation_money = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    compensation_currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    satisfaction = serializers.IntegerField(required=False, allow_null=True, help_text=_("1-5 (to: feedback_recorded)"))
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class LinkGuestSerializer(serializers.Serializer):
    guest = serializers.IntegerField(required=False, allow_null=True)
    stay = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ComplaintEventSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    from_status = serializers.ChoiceField(choices=ComplaintStatus.choices, read_only=True, allow_blank=True)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "at", "by", "from_status", "to_status", "comment", "data"]
        read_only_fields = fields


class ComplaintEscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintEscalation
        fields = ["id", "kind", "deadline", "escalated_at"]
        read_only_fields = fields


class AnalysisQuerySerializer(serializers.Serializer):
    date_from = ApiDateField(required=False)
    date_to = ApiDateField(required=False)
    property = serializers.CharField(required=False, allow_blank=True, max_length=12)

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": _("The end date cannot be before the start date.")})
        return attrs
