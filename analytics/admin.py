from django.contrib import admin

from crm_site.admin_access import AccessAdmin, AccessInline

from .models import ParetoFigure, SegmentationRun


class ParetoFigureInline(AccessInline):
    model = ParetoFigure
    extra = 0
    can_delete = False
    fields = ["property", "active_guests", "total_revenue", "top20_share", "top_guests", "gini"]
    readonly_fields = fields
    show_change_link = False


@admin.register(SegmentationRun)
class SegmentationRunAdmin(AccessAdmin):
    """Read-only: runs are written by the nightly job and ``run_segmentation`` only."""

    list_display = ["as_of", "status", "is_current", "trigger", "guest_count", "active_count", "duration_ms"]
    list_filter = ["status", "is_current", "trigger"]
    date_hierarchy = "as_of"
    inlines = [ParetoFigureInline]
    readonly_fields = [f.name for f in SegmentationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
