"""API shapes.  Serializers parse and render; services decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Account
from crm_site.revenue import RevenueFieldsMixin

from ..models import (
    AuditEvent,
    ConsentEntry,
    ExchangeRate,
    Guest,
    GuestMerge,
    GuestNote,
    GuestPreference,
    PreferenceType,
    Property,
    RoomInventory,
    Stay,
)
from ..services.stay_facts import FACT_FIELDS


class PropertySerializer(serializers.ModelSerializer):
    """A hotel of the chain (written through ``guests.services.properties``)."""

    class Meta:
        model = Property
        fields = ["id", "code", "name", "name_zh", "city", "country", "timezone", "currency", "is_active"]


class GuestSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    document_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_("Stored only as a salted hash.")
    )
    consent_source = serializers.CharField(write_only=True, required=False, max_length=50)
    confirm_new = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text=_(
            "On create: true to create the profile although it looks like guests already on file "
            "(otherwise 409 possible_duplicate with the candidates)."
        ),
    )
    nationality = serializers.CharField(
        required=False, allow_blank=True, help_text=_("ISO 3166 code (DE, DEU) or country name; stored as alpha-3.")
    )
    language = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Language code (en, de, zh-hans) or its name.")
    )
    company = serializers.PrimaryKeyRelatedField(queryset=Account.objects.active(), required=False, allow_null=True)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    version = serializers.IntegerField(
        required=False, help_text=_("Required on update: the version you read (optimistic locking).")
    )

    class Meta:
        model = Guest
        fields = [
            "id",
            "display_name",
            "family_name",
            "given_name",
            "family_name_latin",
            "given_name_latin",
            "gender",
            "birth_date",
            "nationality",
            "language",
            "email",
            "phone",
            "vip_code",
            "id_type",
            "address",
            "anniversary_date",
            "company",
            "marketing_email_consent",
            "marketing_email_consent_at",
            "marketing_sms_consent",
            "marketing_sms_consent_at",
            "profiling_opt_out",
            "notes",
            "document_number",
            "consent_source",
            "confirm_new",
            "version",
            "created_at",
            "updated_at",
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
    preference_label = serializers.CharField(source="preference_type.display_label", read_only=True)
    category = serializers.CharField(source="preference_type.category", read_only=True)
    source_property = serializers.SlugRelatedField(
        slug_field="code", queryset=Property.objects.all(), required=False, allow_null=True
    )
    last_confirmed = serializers.DateField(required=False)

    class Meta:
        model = GuestPreference
        fields = [
            "id",
            "preference_type",
            "preference_label",
            "category",
            "note",
            "source",
            "source_property",
            "last_confirmed",
            "operational_need",
        ]


class GuestNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuestNote
        fields = ["id", "kind", "text", "property", "is_active", "created_at"]


class StaySerializer(RevenueFieldsMixin, serializers.ModelSerializer):
    """A stay; its amounts only for users who may see revenue (absent otherwise)."""

    property = serializers.SlugRelatedField(slug_field="code", queryset=Property.objects.all())
    guest = serializers.PrimaryKeyRelatedField(queryset=Guest.objects.active(), required=False, allow_null=True)
    company_account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.active(),
        required=False,
        allow_null=True,
        help_text=_("The company account the booking is attributed to (kept when a resend leaves it empty)"),
    )
    agent_account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.active(),
        required=False,
        allow_null=True,
        help_text=_("The travel-agent account the booking is attributed to (kept when a resend leaves it empty)"),
    )
    lost_revenue = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text=_("ADR × nights of a cancelled or no-show booking")
    )
    lost_revenue_chain = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text=_("The lost revenue in the chain currency")
    )

    class Meta:
        model = Stay
        fields = [
            "id",
            "property",
            "guest",
            "confirmation_number",
            "arrival_date",
            "departure_date",
            "nights",
            "check_in_at",
            "check_out_at",
            "room_type",
            "room_number",
            "rate_code",
            "channel",
            "market_segment",
            "status",
            "special_requests",
            "room_revenue",
            "fnb_revenue",
            "other_revenue",
            "total_revenue",
            "currency",
            "adults",
            "children",
            "country",
            "reserved_room_type",
            "distribution_channel",
            *FACT_FIELDS,
            "company_account",
            "agent_account",
            "lost_revenue",
            "exchange_rate",
            "exchange_rate_date",
            "lost_revenue_chain",
            "updated_at",
        ]
        # Amounts: room/fnb/other_revenue, adr and lost_revenue in ``currency``;
        # total_revenue and lost_revenue_chain in the chain currency (guests.money).
        read_only_fields = [
            "nights",
            "total_revenue",
            "lost_revenue",
            "exchange_rate",
            "exchange_rate_date",
            "lost_revenue_chain",
            "updated_at",
        ]
        # Uniqueness is the upsert key: the service decides, not a serializer validator.
        validators = []


class StayRowSerializer(StaySerializer):
    """A stay in a bulk batch.  The service checks property codes and guest ids for the
    whole batch in two queries; related fields here would cost two queries per row."""

    property = serializers.CharField(max_length=12, help_text=_("Property code"))
    guest = serializers.IntegerField(required=False, allow_null=True, help_text=_("Guest id"))
    company_account = serializers.IntegerField(required=False, allow_null=True, help_text=_("Company account id"))
    agent_account = serializers.IntegerField(required=False, allow_null=True, help_text=_("Travel-agent account id"))


class StayBulkSerializer(serializers.Serializer):
    stays = StayRowSerializer(many=True, help_text=_("Up to 1,000 stays, upserted by property + confirmation number."))

    def validate_stays(self, value):
        if not value:
            raise serializers.ValidationError(_("Send at least one stay."))
        if len(value) > 1000:
            raise serializers.ValidationError(_("At most 1,000 stays per batch."))
        return value


class StayRowErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class StayRowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Position of the stay in the batch, from 0"))
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    id = serializers.IntegerField(allow_null=True, help_text=_("The stay's id"))
    errors = StayRowErrorSerializer(many=True, required=False)


class StayBulkResultSerializer(serializers.Serializer):
    """What happened to each stay of the batch (a resend is all ``unchanged``)."""

    upserted = serializers.IntegerField(help_text=_("Stays accepted (created, updated or unchanged)"))
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rows = StayRowResultSerializer(many=True)


class ExchangeRateSerializer(serializers.ModelSerializer):
    """Units of chain currency per unit of ``currency``, from ``valid_from`` until the
    currency's next rate (written through ``guests.services.rates``)."""

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "valid_from", "rate", "source", "created_at", "updated_at"]
        read_only_fields = ["source", "created_at", "updated_at"]
        validators = []


class ExchangeRateBulkSerializer(serializers.Serializer):
    rates = ExchangeRateSerializer(many=True, help_text=_("Up to 1,000 rates, all or nothing."))


class RateReportSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("Rates added"))
    unchanged = serializers.IntegerField(help_text=_("Rates already stored as sent"))


class RoomInventorySerializer(serializers.ModelSerializer):
    """Rooms a property sells from ``valid_from`` until its next entry (written through
    ``guests.services.inventory``)."""

    property = serializers.SlugRelatedField(slug_field="code", queryset=Property.objects.all())

    class Meta:
        model = RoomInventory
        fields = ["id", "property", "valid_from", "rooms", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []


class ArrivalGuestSerializer(serializers.ModelSerializer):
    """Who is arriving: identity and what the desk greets them with, without contact data,
    consents or notes (the list is shared with housekeeping; the whole profile is
    /api/v1/guests/{id}/).  Half the fields of a profile also halves the cost of a
    500-arrival day."""

    display_name = serializers.CharField(read_only=True)
    gender = serializers.ChoiceField(choices=Guest.Gender.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Guest
        fields = [
            "id",
            "display_name",
            "family_name",
            "given_name",
            "family_name_latin",
            "given_name_latin",
            "gender",
            "birth_date",
            "nationality",
            "language",
            "vip_code",
            "company",
        ]
        read_only_fields = fields


class ArrivalStaySerializer(serializers.ModelSerializer):
    """The arriving stay as the desk prepares it: dates, room, requests, party; no revenue
    (the front desk does not see revenue; the whole stay is /api/v1/stays/{id}/)."""

    class Meta:
        model = Stay
        fields = [
            "id",
            "confirmation_number",
            "arrival_date",
            "departure_date",
            "nights",
            "room_type",
            "room_number",
            "rate_code",
            "channel",
            "market_segment",
            "status",
            "special_requests",
            "adults",
            "children",
            "check_in_at",
            "check_out_at",
        ]
        read_only_fields = fields


class BadgeSerializer(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.CharField(help_text=_("info, success, warning, danger, tier or segment"))


class ArrivalSerializer(serializers.Serializer):
    """One arrival (a row of guests.selectors.arrivals): the stay, its guest (null when the
    stay has no profile) and what to prepare."""

    stay = ArrivalStaySerializer()
    guest = ArrivalGuestSerializer(allow_null=True)
    preferences = GuestPreferenceSerializer(many=True)
    alerts = serializers.ListField(child=serializers.CharField(), help_text=_("Active alerts of the guest"))
    badges = BadgeSerializer(many=True, help_text=_("Tier, segment, open complaints, churn warnings ..."))
    eta = serializers.CharField(
        allow_null=True, help_text=_("HH:MM in the hotel's time zone: the check-in time, else a time in the requests")
    )
    tier = serializers.CharField(allow_null=True)
    segment = serializers.CharField(allow_null=True)
    vip = serializers.BooleanField(help_text=_("A VIP code or the VIP segment"))
    first_stay = serializers.BooleanField(help_text=_("No earlier stay in the chain"))
    birthday_during_stay = serializers.DateField(allow_null=True)


class ListTotalsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    guests = serializers.IntegerField()
    vip = serializers.IntegerField()
    first_stay = serializers.IntegerField()
    birthdays = serializers.IntegerField()
    alerts = serializers.IntegerField()


class ArrivalsSerializer(serializers.Serializer):
    """A daily list (arrivals, in-house, departures) of one property.  Documents the shape:
    the view renders the selector's plain rows (a serializer per row cost most of a
    500-arrival day)."""

    kind = serializers.ChoiceField(choices=["arrivals", "in-house", "departures"])
    property = serializers.CharField()
    time_zone = serializers.CharField(help_text=_("The property's IANA time zone"))
    date = serializers.DateField()
    business_date = serializers.DateField(help_text=_("Today at the property"))
    count = serializers.IntegerField()
    totals = ListTotalsSerializer()
    results = ArrivalSerializer(many=True)


class MergeRequestSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(help_text=_("Id of the duplicate profile to merge into this one"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class GuestMergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuestMerge
        fields = [
            "id",
            "survivor",
            "merged",
            "reasons",
            "reason_note",
            "moved",
            "merged_by",
            "merged_at",
            "undone_by",
            "undone_at",
        ]


class ConsentEntrySerializer(serializers.ModelSerializer):
    """One entry of the guest's consent ledger (append-only: the latest entry of a
    purpose is its current state)."""

    purpose_label = serializers.CharField(source="get_purpose_display", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ConsentEntry
        fields = [
            "id",
            "purpose",
            "purpose_label",
            "granted",
            "at",
            "source",
            "wording_version",
            "note",
            "recorded_by",
            "channel",
        ]
        read_only_fields = fields


class ConsentRecordSerializer(serializers.Serializer):
    """A new statement of the guest: consent to ``purpose`` given (true) or withdrawn."""

    purpose = serializers.ChoiceField(choices=ConsentEntry.Purpose.choices)
    granted = serializers.BooleanField()
    source = serializers.CharField(max_length=50, help_text=_("Where the guest said so: desk, website, e-mail …"))
    wording_version = serializers.CharField(
        max_length=20, required=False, help_text=_("Version of the consent text (default: the current one).")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class EraseRequestSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=100, help_text=_("Reference of the erasure request (ticket or letter number); recorded.")
    )


class AuditEventSerializer(serializers.ModelSerializer):
    """Who did what to which object, when, through which channel; ``details`` holds the
    changed fields with their old and new values, an export's row count …"""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    guest = serializers.IntegerField(source="guest_ref", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "target", "object_ref", "guest", "channel", "details"]
        read_only_fields = fields
