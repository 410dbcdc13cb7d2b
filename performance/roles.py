from crm_site.roles import CHAIN_ADMIN, INTEGRATOR, INTEGRATOR_READONLY, SALES_MANAGER

# The hotel performance reports: sales managers and chain admins on the pages,
# integrators read the same figures from the API.  Every report shows revenue, so the
# views also need guests.view_revenue (performance.views.REPORTS).
_VIEW = ["performance.view_reports"]

ROLE_PERMISSIONS = {
    SALES_MANAGER: list(_VIEW),
    CHAIN_ADMIN: list(_VIEW),
    INTEGRATOR: list(_VIEW),
    INTEGRATOR_READONLY: list(_VIEW),
}

PROPERTY_SCOPE = {
    "performance.NightFact": "property",
    "performance.BookingFact": "property",
    "performance.NightDay": "property",
    "performance.BookingDay": "property",
    "performance.SourceDay": "property",
    "performance.ArrivalDay": "property",
}
REVENUE_FIELDS = {
    "performance.NightFact": ("room_revenue", "fnb_revenue", "other_revenue", "lost_revenue"),
    "performance.BookingFact": ("room_revenue", "lost_revenue"),
    "performance.NightDay": ("room_revenue", "fnb_revenue", "other_revenue", "lost_revenue"),
    "performance.BookingDay": ("room_revenue", "lost_revenue"),
    "performance.SourceDay": ("room_revenue", "lost_revenue"),
    "performance.ArrivalDay": ("room_revenue", "lost_revenue"),
}
