"""Admin pages for key accounts, read-only: accounts, agreements, activities and the
vocabularies change through the services (the account pages, the roadmap settings page
``/accounts/settings/`` and the API), which check scope and name every refused field."""

from django.contrib import admin

from .models import (
    Account,
    AccountContact,
    AccountMerge,
    Activity,
    Agreement,
    LevelChange,
    RoadmapMilestone,
    RoadmapStage,
    ValueDriver,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "name_latin", "account_type", "account_class", "relationship_level", "owner", "parent"]
    list_filter = ["account_type", "account_class", "relationship_level"]
    search_fields = ["name", "name_latin", "iata_code", "corporate_id"]
    list_select_related = ["owner", "parent"]
    raw_id_fields = ["parent", "owner", "merged_into"]


@admin.register(LevelChange)
class LevelChangeAdmin(ReadOnlyAdmin):
    list_display = ["account", "effective_on", "from_level", "to_level", "target_level", "changed_by"]
    list_select_related = ["account", "changed_by"]


@admin.register(AccountContact)
class AccountContactAdmin(ReadOnlyAdmin):
    list_display = ["account", "guest", "name", "role", "level", "attitude", "last_touch_on"]
    list_filter = ["role", "level"]
    raw_id_fields = ["account", "guest"]
    list_select_related = ["account", "guest"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["due_on", "kind", "subject", "account", "owner", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["account", "owner"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["account", "property", "rate_code", "valid_from", "valid_to", "status"]
    list_filter = ["status", "property"]
    list_select_related = ["account", "property"]


@admin.register(AccountMerge)
class AccountMergeAdmin(ReadOnlyAdmin):
    list_display = ["merged", "survivor", "merged_at", "undone_at"]


@admin.register(RoadmapStage)
class RoadmapStageAdmin(ReadOnlyAdmin):
    list_display = ["sort_order", "code", "name", "name_zh", "requires_order", "is_active"]


@admin.register(RoadmapMilestone)
class RoadmapMilestoneAdmin(ReadOnlyAdmin):
    list_display = ["stage", "sort_order", "code", "name", "name_zh", "is_active"]
    list_select_related = ["stage"]


@admin.register(ValueDriver)
class ValueDriverAdmin(ReadOnlyAdmin):
    list_display = ["sort_order", "code", "name", "name_zh", "is_active"]
