"""Django admin: tiers and rewards are edited here; the ledger and what hangs off it
are read-only (points move only through loyalty.services)."""

from django.contrib import admin

from .models import Membership, MissingPointsClaim, PointsTransaction, Redemption, Reward, StayCredit, Tier, TierChange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["rank", "code", "name", "qualifying_nights", "qualifying_spend", "earn_multiplier"]
    ordering = ["rank"]

    def has_delete_permission(self, request, obj=None):
        return False  # members hold tiers; change thresholds instead


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "points_cost", "min_tier", "is_active", "sort_order"]
    list_filter = ["is_active", "min_tier"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False  # redemptions refer to it; untick "offered" instead


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member_number", "guest", "tier", "tier_valid_until", "points_balance", "enrolled_on"]
    list_filter = ["tier"]
    search_fields = ["member_number"]
    list_select_related = ["guest", "tier"]
    show_full_result_count = False


@admin.register(PointsTransaction)
class PointsTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "membership", "kind", "points", "balance_after", "reason", "effective_on", "actor"]
    list_filter = ["kind"]
    search_fields = ["membership__member_number", "idempotency_key"]
    list_select_related = ["membership", "actor"]
    show_full_result_count = False


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "membership", "reward", "points", "redeemed_by", "created_at"]
    list_select_related = ["membership", "reward", "redeemed_by"]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["membership", "kind", "from_tier", "to_tier", "effective_on", "valid_until"]
    list_filter = ["kind", "to_tier"]
    list_select_related = ["membership", "from_tier", "to_tier"]


@admin.register(StayCredit)
class StayCreditAdmin(ReadOnlyAdmin):
    list_display = ["stay", "membership", "departure_date", "nights", "qualifying_spend", "points"]
    list_select_related = ["stay", "membership"]


@admin.register(MissingPointsClaim)
class MissingPointsClaimAdmin(ReadOnlyAdmin):
    list_display = ["id", "membership", "property", "confirmation_number", "status", "reply_by"]
    list_filter = ["status"]
    list_select_related = ["membership", "property"]
