"""API shapes.  Serializers parse and render; services decide."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm_site.formfields import ApiDateField, coerced
from crm_site.parsing import as_of_date
from guests.models import Guest, Stay
from outbox.models import OutboundEmail

from .. import rules, selectors
from ..models import CareTask, ChurnWarning, ContactChannel, StaySurvey


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(ContactChannel.values) + ")?$",
        "description": "How the guest was contacted: " + ", ".join(ContactChannel.values) + " (or empty).",
    }
)
class ContactChannelField(serializers.ChoiceField):
    """How a guest was contacted, on the write side.  Described by a pattern rather than
    an enum in the schema: "channel" already names the stay and complaint channel sets."""

    def __init__(self, **kwargs):
        super().__init__(choices=ContactChannel.choices, **kwargs)


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField()


class ChurnWarningSerializer(serializers.ModelSerializer):
    guest_name = serializers.CharField(source="guest.display_name", read_only=True)
    last_property = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    outcome = serializers.ChoiceField(choices=ChurnWarning.Outcome.choices, read_only=True, allow_blank=True)
    lost_reason = serializers.ChoiceField(choices=ChurnWarning.LostReason.choices, read_only=True, allow_blank=True)
    assigned_to_name = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    do_not_contact = serializers.SerializerMethodField()

    class Meta:
        model = ChurnWarning
        fields = [
            "id",
            "guest",
            "guest_name",
            "status",
            "score",
            "score_detail",
            "reasons",
            "explanation",
            "segment",
            "last_property",
            "last_departure",
            "last_arrival",
            "opened_on",
            "as_of",
            "assigned_to",
            "assigned_to_name",
            "assigned_at",
            "outcome",
            "outcome_at",
            "lost_reason",
            "competitor",
            "outcome_note",
            "closed_at",
            "do_not_contact",
        ]
        read_only_fields = fields

    def get_assigned_to_name(self, obj) -> str:
        user = obj.assigned_to
        return (user.get_full_name() or user.get_username()) if user else ""

    def get_explanation(self, obj) -> list[dict]:
        return ReasonSerializer(selectors.explain_reasons(obj.reasons), many=True).data

    def get_do_not_contact(self, obj) -> bool:
        return rules.do_not_contact(obj.guest)


class ChurnWarningUpdateSerializer(serializers.Serializer):
    """Assign (``assigned_to``: a user id, or null to unassign) and/or record an outcome."""

    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text=_("A sales manager or salesperson; null takes the warning back."),
    )
    outcome = serializers.ChoiceField(choices=[(o.value, o.label) for o in ChurnWarning.STAFF_OUTCOMES], required=False)
    lost_reason = serializers.ChoiceField(
        choices=ChurnWarning.LostReason.choices,
        required=False,
        allow_blank=True,
        help_text=_("Required with outcome 'lost'."),
    )
    competitor = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    channel = ContactChannelField(required=False, allow_blank=True)

    def validate(self, attrs):
        if "assigned_to" not in attrs and "outcome" not in attrs:
            raise serializers.ValidationError({"outcome": [_("Send an outcome or an assignee.")]})
        return attrs


class CareTaskSerializer(serializers.ModelSerializer):
    guest_name = serializers.CharField(source="guest.display_name", read_only=True)
    property = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    summary = serializers.SerializerMethodField()
    do_not_contact = serializers.SerializerMethodField()
    channel = ContactChannelField(read_only=True, allow_blank=True)
    email_status = serializers.ChoiceField(
        choices=[("", _("No e-mail queued")), *OutboundEmail.Status.choices],
        read_only=True,
        help_text=_("The care e-mail in the outbox: pending (queued), sent, failed or cancelled; empty if none."),
    )
    email_sent_at = serializers.DateTimeField(
        source="email.sent_at",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("When the mail server accepted the care e-mail; null until then."),
    )

    class Meta:
        model = CareTask
        fields = [
            "id",
            "guest",
            "guest_name",
            "kind",
            "due_date",
            "property",
            "stay",
            "warning",
            "details",
            "summary",
            "status",
            "channel",
            "note",
            "done_at",
            "done_by",
            "email_status",
            "email_sent_at",
            "built_on",
            "do_not_contact",
        ]
        read_only_fields = fields

    def get_summary(self, obj) -> str:
        return selectors.care_task_summary(obj)

    def get_do_not_contact(self, obj) -> bool:
        return rules.do_not_contact(obj.guest)


class CareTaskDoneSerializer(serializers.Serializer):
    channel = ContactChannelField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class StaySurveySerializer(serializers.ModelSerializer):
    stay = serializers.PrimaryKeyRelatedField(queryset=Stay.objects.all())
    guest = serializers.PrimaryKeyRelatedField(
        queryset=Guest.objects.all(),
        required=False,
        help_text=_("Optional: when given it must be the stay's guest."),
    )
    overall = serializers.IntegerField(min_value=1, max_value=5, help_text=_("1-5; only 5 counts as top box."))
    received_on = ApiDateField(required=False, help_text=_("Default today; never in the future."))
    source = serializers.ChoiceField(choices=StaySurvey.Source.choices, required=False)
    property = serializers.CharField(source="stay.property.code", read_only=True)
    top_box = serializers.BooleanField(source="is_top_box", read_only=True)

    class Meta:
        model = StaySurvey
        fields = [
            "id",
            "stay",
            "guest",
            "property",
            "overall",
            "top_box",
            "comment",
            "received_on",
            "source",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]

    def validate_received_on(self, value):
        return coerced(as_of_date, value, field="received_on")


class SatisfactionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    top_box = serializers.IntegerField()
    top_box_share = serializers.FloatField(allow_null=True, help_text=_("Percent of surveys scored 5."))
    distribution = serializers.DictField(child=serializers.IntegerField())
