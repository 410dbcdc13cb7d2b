"""API shapes.  Serializers parse and render; loyalty.services decides."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_site.revenue import RevenueFieldsMixin
from guests.models import Guest, Property, Stay

from ..models import Membership, MissingPointsClaim, PointsTransaction, Redemption, Reward, Tier


class TierSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Tier
        fields = [
            "id",
            "code",
            "name",
            "display_name",
            "rank",
            "qualifying_nights",
            "qualifying_spend",
            "earn_multiplier",
            "benefits",
        ]
        read_only_fields = ["code", "rank"]


class MembershipSerializer(RevenueFieldsMixin, serializers.ModelSerializer):
    tier = serializers.CharField(source="tier.code", read_only=True)
    tier_name = serializers.CharField(source="tier.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "guest",
            "member_number",
            "enrolled_on",
            "tier",
            "tier_name",
            "tier_since",
            "tier_valid_until",
            "tier_reason",
            "points_balance",
        ]
        read_only_fields = fields


class EnrolSerializer(serializers.Serializer):
    guest = serializers.PrimaryKeyRelatedField(queryset=Guest.objects.all(), help_text=_("The guest profile to enrol."))


class PointsTransactionSerializer(RevenueFieldsMixin, serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = PointsTransaction
        fields = [
            "id",
            "kind",
            "points",
            "balance_after",
            "reason",
            "stay",
            "effective_on",
            "created_at",
            "actor",
            "idempotency_key",
        ]
        read_only_fields = fields


class PointsTransactionRequestSerializer(serializers.Serializer):
    """``earn`` with ``stay`` posts the stay's points by the earning rule (re-posting
    returns the transaction already posted); ``earn`` with ``points`` and ``reason`` is a
    partner or promotion earn; ``redeem`` spends points; ``adjust`` (chain admins) moves
    them either way."""

    KINDS = [
        (PointsTransaction.Kind.EARN, PointsTransaction.Kind.EARN.label),
        (PointsTransaction.Kind.REDEEM, PointsTransaction.Kind.REDEEM.label),
        (PointsTransaction.Kind.ADJUST, PointsTransaction.Kind.ADJUST.label),
    ]

    kind = serializers.ChoiceField(choices=KINDS)
    stay = serializers.PrimaryKeyRelatedField(queryset=Stay.objects.select_related("property"), required=False)
    points = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class RewardSerializer(serializers.ModelSerializer):
    min_tier = serializers.SlugRelatedField(
        slug_field="code", queryset=Tier.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Reward
        fields = ["id", "code", "name", "description", "points_cost", "min_tier", "is_active", "sort_order"]


class RedemptionSerializer(serializers.ModelSerializer):
    reward = serializers.CharField(source="reward.code", read_only=True)
    reward_name = serializers.CharField(source="reward.name", read_only=True)
    transaction = PointsTransactionSerializer(read_only=True)
    redeemed_by = serializers.CharField(source="redeemed_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Redemption
        fields = ["id", "reward", "reward_name", "points", "transaction", "redeemed_by", "created_at"]
        read_only_fields = fields


class RedemptionRequestSerializer(serializers.Serializer):
    reward = serializers.CharField(max_length=40, help_text=_("Reward code (or id)."))


class MissingPointsClaimSerializer(serializers.ModelSerializer):
    property = serializers.SlugRelatedField(slug_field="code", queryset=Property.objects.all())
    member_number = serializers.CharField(source="membership.member_number", read_only=True)

    class Meta:
        model = MissingPointsClaim
        fields = [
            "id",
            "membership",
            "member_number",
            "property",
            "confirmation_number",
            "stay",
            "note",
            "reply_by",
            "status",
            "decision_reason",
            "transaction",
            "created_at",
            "decided_at",
        ]
        read_only_fields = [
            "membership",
            "stay",
            "reply_by",
            "status",
            "decision_reason",
            "transaction",
            "created_at",
            "decided_at",
        ]
        # One open claim per stay is the service's rule (409), not a serializer check.
        validators = []


class ClaimApproveSerializer(serializers.Serializer):
    points = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Only when the stay is not in the system.")
    )
    note = serializers.CharField(required=False, allow_blank=True)


class ClaimRejectSerializer(serializers.Serializer):
    decision_reason = serializers.CharField(allow_blank=True)
