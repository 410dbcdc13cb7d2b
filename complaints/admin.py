"""Read-only admin: complaints change only through the workflow (services), never here;
the timeline is append-only (shown, never edited or deleted)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm_site.admin_access import AccessAdmin, AccessInline

from .models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintNotification


class ReadOnlyAdmin(AccessAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplaintEventInline(AccessInline):
    model = ComplaintEvent
    extra = 0
    fields = ["at", "kind", "by", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["id", "property", "guest", "category", "severity", "status", "assignee", "received_at"]
    list_filter = ["status", "severity", "category", "channel", "property"]
    search_fields = ["=id", "description", "source_reference"]
    list_select_related = ["property", "guest", "assignee"]
    raw_id_fields = ["guest", "stay"]
    date_hierarchy = "received_at"
    inlines = [ComplaintEventInline]


@admin.register(ComplaintEscalation)
class ComplaintEscalationAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "kind", "deadline", "escalated_at"]
    list_filter = ["kind"]


@admin.register(ComplaintNotification)
class ComplaintNotificationAdmin(ReadOnlyAdmin):
    list_display = ["escalation", "recipient", "created_at", "email_state", "acknowledged_at"]
    list_select_related = ["escalation", "recipient", "email"]
    raw_id_fields = ["email"]

    @admin.display(description=_("e-mail"))
    def email_state(self, obj):
        """From the outbox row: waiting, sent (the server accepted it) or failed."""
        return obj.email.get_status_display() if obj.email_id else "—"
