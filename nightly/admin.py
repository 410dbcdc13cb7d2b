from django.contrib import admin

from .models import NightlyRun, NightlyStep


class NightlyStepInline(admin.TabularInline):
    model = NightlyStep
    extra = 0
    can_delete = False
    fields = ["position", "name", "status", "started_at", "finished_at", "duration_ms", "counts", "error"]
    readonly_fields = fields
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NightlyRun)
class NightlyRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the pipeline only (rerun a date from the
    "Nightly jobs" page, the API or ``manage.py run_nightly``)."""

    list_display = ["as_of", "status", "trigger", "requested_by", "started_at", "finished_at", "duration_ms"]
    list_filter = ["status", "trigger"]
    date_hierarchy = "as_of"
    inlines = [NightlyStepInline]
    readonly_fields = [f.name for f in NightlyRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
