import django_filters

from crm_site.formfields import IntegerFilter

from .models import Membership, MissingPointsClaim, PointsTransaction, Reward, Tier


class MembershipFilterSet(django_filters.FilterSet):
    tier = django_filters.CharFilter(field_name="tier__code", lookup_expr="iexact")
    guest = IntegerFilter(field_name="guest_id")
    member_number = django_filters.CharFilter(lookup_expr="iexact")
    enrolled_from = django_filters.DateFilter(field_name="enrolled_on", lookup_expr="gte")
    enrolled_to = django_filters.DateFilter(field_name="enrolled_on", lookup_expr="lte")
    min_balance = IntegerFilter(field_name="points_balance", lookup_expr="gte")
    tier_valid_until = django_filters.DateFilter(field_name="tier_valid_until", lookup_expr="lte")

    class Meta:
        model = Membership
        fields = [
            "tier",
            "guest",
            "member_number",
            "enrolled_from",
            "enrolled_to",
            "min_balance",
            "tier_valid_until",
        ]


class PointsTransactionFilterSet(django_filters.FilterSet):
    effective_from = django_filters.DateFilter(field_name="effective_on", lookup_expr="gte")
    effective_to = django_filters.DateFilter(field_name="effective_on", lookup_expr="lte")
    stay = IntegerFilter(field_name="stay_id")

    class Meta:
        model = PointsTransaction
        fields = ["kind", "stay", "effective_from", "effective_to"]


class TierFilterSet(django_filters.FilterSet):
    class Meta:
        model = Tier
        fields = ["code", "rank"]


class RewardFilterSet(django_filters.FilterSet):
    min_tier = django_filters.CharFilter(field_name="min_tier__code", lookup_expr="iexact")
    max_points = IntegerFilter(field_name="points_cost", lookup_expr="lte")

    class Meta:
        model = Reward
        fields = ["is_active", "min_tier", "max_points"]


class MissingPointsClaimFilterSet(django_filters.FilterSet):
    property = django_filters.CharFilter(field_name="property__code", lookup_expr="iexact")
    reply_by_before = django_filters.DateFilter(field_name="reply_by", lookup_expr="lte")

    class Meta:
        model = MissingPointsClaim
        fields = ["status", "property", "reply_by_before"]
