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
