from django.contrib import admin

from .models import CareEmailTemplate, CareTask, ChurnScan, ChurnWarning, ContactLog, StaySurvey


@admin.register(ChurnWarning)
class ChurnWarningAdmin(admin.ModelAdmin):
    list_display = ["guest", "status", "score", "segment", "last_property", "assigned_to", "outcome", "opened_on"]
    list_filter = ["status", "outcome", "segment", "lost_reason"]
    raw_id_fields = ["guest", "assigned_to", "outcome_by"]
    list_select_related = ["guest", "last_property", "assigned_to"]
    readonly_fields = ["reasons", "score", "score_detail", "opened_on", "as_of", "last_arrival", "last_departure"]
    show_full_result_count = False


@admin.register(ChurnScan)
class ChurnScanAdmin(admin.ModelAdmin):
    list_display = ["as_of", "started_at", "duration_ms"]
    readonly_fields = ["as_of", "started_at", "finished_at", "duration_ms", "counts"]


@admin.register(CareTask)
class CareTaskAdmin(admin.ModelAdmin):
    list_display = ["due_date", "kind", "guest", "property", "status", "done_by", "email_sent_at"]
    list_filter = ["kind", "status", "property"]
    raw_id_fields = ["guest", "stay", "warning", "done_by"]
    list_select_related = ["guest", "property", "done_by"]
    date_hierarchy = "due_date"
    show_full_result_count = False


@admin.register(CareEmailTemplate)
class CareEmailTemplateAdmin(admin.ModelAdmin):
    """Editable care e-mails: Django template syntax with ``guest``, ``task``, ``hotel``."""

    list_display = ["kind", "language", "subject", "is_active", "updated_at"]
    list_filter = ["kind", "is_active"]


@admin.register(StaySurvey)
class StaySurveyAdmin(admin.ModelAdmin):
    list_display = ["stay", "guest", "overall", "received_on", "source"]
    list_filter = ["overall", "source"]
    raw_id_fields = ["stay", "guest", "recorded_by"]
    show_full_result_count = False


@admin.register(ContactLog)
class ContactLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "guest", "kind", "channel", "outcome", "created_by"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["guest", "warning", "care_task", "created_by"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False  # append-only
