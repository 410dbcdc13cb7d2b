from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued by the API and revoked on the API-tokens page."""

    list_display = ["id", "user", "prefix", "created", "expiry", "last_used_at"]
    list_filter = ["expiry"]
    search_fields = ["user__username"]
    fields = ["user", "prefix", "created", "expiry", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
