from django.contrib import admin

from .models import AuditEvent, Company, Guest, GuestNote, GuestPreference, PreferenceType, Property, StaffProfile, Stay


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country", "currency", "is_active"]
    search_fields = ["code", "name", "city"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "relationship_level", "account_manager", "rate_code"]
    list_filter = ["relationship_level"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_duty_manager", "is_salesperson"]
    filter_horizontal = ["properties"]


class GuestPreferenceInline(admin.TabularInline):
    model = GuestPreference
    extra = 0
    autocomplete_fields = ["preference_type"]


class GuestNoteInline(admin.TabularInline):
    model = GuestNote
    extra = 0
    fields = ["kind", "text", "is_active", "property"]


@admin.register(Guest)
class GuestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "family_name",
        "given_name",
        "family_name_latin",
        "given_name_latin",
        "email",
        "phone",
        "nationality",
    ]
    search_fields = ["name_key", "email", "phone"]
    readonly_fields = [
        "search_document",
        "name_key",
        "name_initials",
        "phone_reversed",
        "document_hash",
        "version",
        "merged_into",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["company"]
    raw_id_fields = ["company"]
    inlines = [GuestPreferenceInline, GuestNoteInline]
    show_full_result_count = False


@admin.register(PreferenceType)
class PreferenceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "category", "group", "label", "is_active", "sort_order"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "label"]


@admin.register(Stay)
class StayAdmin(admin.ModelAdmin):
    list_display = [
        "confirmation_number",
        "property",
        "guest",
        "arrival_date",
        "departure_date",
        "status",
        "total_revenue",
    ]
    list_filter = ["status", "channel", "property"]
    search_fields = ["confirmation_number"]
    raw_id_fields = ["guest"]
    list_select_related = ["property", "guest"]
    show_full_result_count = False
    date_hierarchy = "arrival_date"


@admin.register(GuestNote)
class GuestNoteAdmin(admin.ModelAdmin):
    list_display = ["guest", "kind", "text", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["guest"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "guest_ref", "channel"]
    list_filter = ["action", "channel"]
    search_fields = ["guest_ref"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
