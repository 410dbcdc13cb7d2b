"""Django admin: tiers are edited through the tier services (the same ladder rules as
the page and the API), rewards (catalogue data, checked by the model's constraints) are
edited here; the ledger and everything that hangs off it are read-only (points, tiers of
members and claims move only through loyalty.services)."""

from django import forms
from django.contrib import admin

from crm_site.admin_access import AccessAdmin
from crm_site.errors import DomainError, add_to_form

from . import services
from .models import Membership, MissingPointsClaim, PointsTransaction, Redemption, Reward, StayCredit, Tier, TierChange


class ReadOnlyAdmin(AccessAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TierAdminForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = ["code", "rank", *services.tiers.EDITABLE]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.tier_validate(tier=self.instance if self.instance.pk else None, data=data)
            except DomainError as error:
                add_to_form(self, error)
        return data


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """Tiers go through loyalty.services.tier_create / tier_update: thresholds must rise
    with rank, as on the tier page and in the API."""

    form = TierAdminForm
    list_display = ["rank", "code", "name", "qualifying_nights", "qualifying_spend", "earn_multiplier"]
    ordering = ["rank"]
    audited_by_service = True  # tier_create / tier_update audit with old and new values

    def get_readonly_fields(self, request, obj=None):
        return ["code", "rank"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in services.tiers.EDITABLE if field in form.cleaned_data}
        if change:
            saved = services.tier_update(tier=Tier.objects.get(pk=obj.pk), data=data, by=request.user, channel="admin")
        else:
            saved = services.tier_create(
                data={**data, "code": form.cleaned_data["code"], "rank": form.cleaned_data["rank"]},
                by=request.user,
                channel="admin",
            )
        obj.pk = saved.pk

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
    list_display = ["membership", "kind", "from_tier", "to_tier", "effective_on", "valid_until", "superseded_at"]
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
