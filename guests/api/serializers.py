"""API shapes.  Serializers parse and render; services decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Company, Guest, GuestNote, GuestPreference, PreferenceType, Property, Stay


class PropertySerializer(serializers.ModelSerializer):
    class Meta:
        model = Property
        fields = ["id", "code", "name", "city", "country", "timezone", "currency", "is_active"]


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "relationship_level", "account_manager", "rate_code"]


class GuestSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    document_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_("Stored only as a salted hash.")
    )
    consent_source = serializers.CharField(write_only=True, required=False, max_length=50)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False, allow_null=True)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    version = serializers.IntegerField(
        required=False, help_text=_("Required on update: the version you read (optimistic locking).")
    )

    class Meta:
        model = Guest
        fields = [
            "id", "display_name", "family_name", "given_name", "family_name_latin", "given_name_latin",
            "gender", "birth_date", "nationality", "language", "email", "phone", "vip_code", "company",
            "marketing_email_consent", "marketing_email_consent_at", "marketing_sms_consent",
            "marketing_sms_consent_at", "profiling_opt_out", "notes", "document_number", "consent_source",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = ["marketing_email_consent_at", "marketing_sms_consent_at", "created_at", "updated_at"]
        extra_kwargs = {"gender": {"required": False}}


class PreferenceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PreferenceType
        fields = ["id", "code", "category", "group", "label"]


class GuestPreferenceSerializer(serializers.ModelSerializer):
    preference_type = serializers.SlugRelatedField(
        slug_field="code", queryset=PreferenceType.objects.all(), help_text=_("Preference code")
    )
    preference_label = serializers.CharField(source="preference_type.label", read_only=True)
    category = serializers.CharField(source="preference_type.category", read_only=True)
    source_property = serializers.SlugRelatedField(
        slug_field="code", queryset=Property.objects.all(), required=False, allow_null=True
    )
    last_confirmed = serializers.DateField(required=False)

    class Meta:
        model = GuestPreference
        fields = ["id", "preference_type", "preference_label", "category", "note", "source",
                  "source_property", "last_confirmed"]


class GuestNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuestNote
        fields = ["id", "kind", "text", "property", "is_active", "created_at"]


class StaySerializer(serializers.ModelSerializer):
    property = serializers.SlugRelatedField(slug_field="code", queryset=Property.objects.all())
    guest = serializers.PrimaryKeyRelatedField(
        queryset=Guest.objects.filter(merged_into__isnull=True), required=False, allow_null=True
    )

    class Meta:
        model = Stay
        fields = [
            "id", "property", "guest", "confirmation_number", "arrival_date", "departure_date", "nights",
            "check_in_at", "check_out_at", "room_type", "room_number", "rate_code", "channel",
            "market_segment", "status", "special_requests", "room_revenue", "fnb_revenue", "other_revenue",
            "total_revenue", "currency", "adults", "children", "country", "updated_at",
        ]
        read_only_fields = ["nights", "total_revenue", "updated_at"]
        # Uniqueness is the upsert key: the service decides, not a serializer validator.
        validators = []


class StayBulkSerializer(serializers.Serializer):
    stays = StaySerializer(many=True, help_text=_("Up to 1,000 stays, upserted by property + confirmation number."))

    def validate_stays(self, value):
        if not value:
            raise serializers.ValidationError(_("Send at least one stay."))
        if len(value) > 1000:
            raise serializers.ValidationError(_("At most 1,000 stays per batch."))
        return value


class StayBulkResultSerializer(serializers.Serializer):
    upserted = serializers.IntegerField()


class ProfileSerializer(serializers.Serializer):
    """The guest 360 view: identity, preferences, alerts, stays, spend and every app's
    section (loyalty, complaints, segment, churn...)."""

    guest = GuestSerializer()
    preferences = GuestPreferenceSerializer(many=True)
    alerts = GuestNoteSerializer(many=True)
    notes = GuestNoteSerializer(many=True)
    stays = StaySerializer(many=True)
    spend = serializers.DictField()
    badges = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    def get_badges(self, obj) -> list[dict]:
        return [{"label": str(b.label), "kind": b.kind} for b in obj.badges]

    def get_sections(self, obj) -> dict:
        return {s["key"]: s["data"] for s in obj.sections}
