from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from crm_site.errors import DomainError

from . import services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only: admins see what was sent, what waits and why it failed, and can retry."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "key"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["view"])
    def retry(self, request, queryset):
        done = 0
        for email in queryset.exclude(status=OutboundEmail.Status.SENT):
            try:
                services.email_retry(email_id=email.pk)
                done += 1
            except DomainError as error:
                self.message_user(request, str(error.message), messages.WARNING)
        self.message_user(request, _("%(n)d e-mail(s) queued again.") % {"n": done})
