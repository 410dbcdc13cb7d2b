"""Admin pages for care.  Warnings, scans, care items, surveys and the contact log change
only through the services (the pages and the API), so here they are read-only; e-mail
templates are edited here, through ``care_email_template_save`` (syntax checked)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm_site.admin_access import AccessAdmin
from crm_site.errors import DomainError, add_to_form

from . import services
from .models import CareEmailTemplate, CareTask, ChurnScan, ChurnWarning, ContactLog, StaySurvey


class ReadOnlyAdmin(AccessAdmin):
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChurnWarning)
class ChurnWarningAdmin(ReadOnlyAdmin):
    list_display = ["guest", "status", "score", "segment", "last_property", "assigned_to", "outcome", "opened_on"]
    list_filter = ["status", "outcome", "segment", "lost_reason"]
    raw_id_fields = ["guest", "assigned_to", "outcome_by"]
    list_select_related = ["guest", "last_property", "assigned_to"]


@admin.register(ChurnScan)
class ChurnScanAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "started_at", "duration_ms"]


@admin.register(CareTask)
class CareTaskAdmin(ReadOnlyAdmin):
    list_display = ["due_date", "kind", "guest", "property", "status", "done_by", "email_state"]
    list_filter = ["kind", "status", "property"]
    raw_id_fields = ["guest", "stay", "warning", "done_by", "email"]
    list_select_related = ["guest", "property", "done_by", "email"]
    date_hierarchy = "due_date"

    @admin.display(description=_("e-mail"))
    def email_state(self, obj):
        return obj.email.get_status_display() if obj.email_id else "—"


class CareEmailTemplateForm(forms.ModelForm):
    class Meta:
        model = CareEmailTemplate
        fields = ["kind", "language", "subject", "body", "is_active"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.care_email_template_check(template_id=self.instance.pk, **data)
            except DomainError as error:
                add_to_form(self, error)
        return data


@admin.register(CareEmailTemplate)
class CareEmailTemplateAdmin(admin.ModelAdmin):
    """Editable care e-mails: Django template syntax with ``guest``, ``task``, ``hotel``;
    saved through ``care.services.care_email_template_save``."""

    form = CareEmailTemplateForm
    list_display = ["kind", "language", "subject", "is_active", "updated_at"]
    list_filter = ["kind", "is_active"]

    def save_model(self, request, obj, form, change):
        saved = services.care_email_template_save(template_id=obj.pk, **form.cleaned_data)
        obj.pk, obj.updated_at = saved.pk, saved.updated_at


@admin.register(StaySurvey)
class StaySurveyAdmin(ReadOnlyAdmin):
    list_display = ["stay", "guest", "overall", "received_on", "source"]
    list_filter = ["overall", "source"]
    raw_id_fields = ["stay", "guest", "recorded_by"]


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnlyAdmin):
    """Append-only: the log of what staff did towards a guest."""

    list_display = ["created_at", "guest", "kind", "channel", "outcome", "created_by"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["guest", "warning", "care_task", "created_by"]
