from crm_site.roles import CHAIN_ADMIN, INTEGRATOR, INTEGRATOR_READONLY, SALES_MANAGER

# Dashboards and the segment API: sales managers and chain admins; integrators read
# segments for BI.  Front desk and guest relations see only the segment badge.
_VIEW = [
    "analytics.view_dashboard",
    "analytics.view_segmentationrun",
    "analytics.view_guestsegment",
    "analytics.view_paretofigure",
]

ROLE_PERMISSIONS = {
    SALES_MANAGER: list(_VIEW),
    CHAIN_ADMIN: list(_VIEW),
    INTEGRATOR: list(_VIEW),
    INTEGRATOR_READONLY: list(_VIEW),
}

# The dashboards rank guests by revenue: they need guests.view_revenue as well
# (analytics.views.DASHBOARD); the figures are declared for the serializers and the admin.
CHAIN_WIDE = {"analytics.ParetoFigure": "a run's figures per hotel, read on the chain-wide dashboards"}
REVENUE_FIELDS = {
    "analytics.SegmentationRun": ("total_revenue",),
    "analytics.GuestSegment": ("revenue",),
    "analytics.ParetoFigure": ("total_revenue", "segment_stats"),
}
OPERATIONAL_AMOUNTS = {
    "analytics.ParetoFigure.top20_share": "a share, not money",
    "analytics.ParetoFigure.gini": "an index, not money",
}
