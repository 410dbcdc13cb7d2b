"""The performance reports in the API, the same selectors as the pages
(``/api/v1/analytics/performance/<report>/``)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site.permissions import require_perms
from crm_site.revenue import PERMISSION as REVENUE
from crm_site.timezones import hotel_today

from .. import selectors

REPORTS = ("performance.view_reports", REVENUE)
FILTER_PARAMETERS = [
    OpenApiParameter("property", str, description="A property code (default: every hotel you work with)"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First date (default: 12 months to the last data)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last date (at most 1,098 days after start)"),
    OpenApiParameter("granularity", str, enum=["day", "week", "month"], description="Buckets (day: at most 366 days)"),
    OpenApiParameter("channel", str, description="The CRM's channel (direct, ota, gds, corporate, walk_in, group)"),
    OpenApiParameter("distribution_channel", str, description="The source's distribution channel, as given"),
    OpenApiParameter("market_segment", str, description="Market segment, as given"),
    OpenApiParameter("country", str, description="Guest country (ISO 3166-1 alpha-3)"),
    OpenApiParameter("customer_type", str, description="Customer type, as given"),
    OpenApiParameter("agent", str, description="Travel agent code, as given"),
    OpenApiParameter("company", str, description="Company code, as given"),
]


def _exact(value):
    """Amounts as exact decimal strings ("1234.50"), not floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_exact(v) for v in value]
    return value


class _Report(APIView):
    permission_classes = [require_perms(*REPORTS)]
    report = staticmethod(selectors.production)

    def get(self, request):
        f = selectors.report_filter(request.query_params, user=request.user)
        return Response(_exact(self.report(f)))


class ProductionView(_Report):
    """Room nights, stays (arrivals), revenue (room, F&B, other), ADR, occupancy and
    RevPAR per day, week or month against the same dates last year; ``occupancy_missing``
    says why occupancy is missing where no room inventory is recorded."""

    report = staticmethod(selectors.production)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return super().get(request)


class CancellationsView(_Report):
    """Bookings, cancellations and no-shows by arrival month and booking month (the
    published rate counts no-shows as cancelled), the lead-time profile and lost revenue."""

    report = staticmethod(selectors.cancellations)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return super().get(request)


class SourceMixView(_Report):
    """Guest-source structure by country, market segment, channels, customer type,
    agent, company and repeat vs first-time, with last year's shares."""

    report = staticmethod(selectors.source_mix)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return super().get(request)


class PatternsView(_Report):
    """Booking window (lead time) and length-of-stay distributions of the bookings
    arriving in the period, and the day-of-week pattern of room nights and arrivals."""

    report = staticmethod(selectors.booking_patterns)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return super().get(request)


class PaceView(_Report):
    """Bookings on hand for each arrival date of the next 90 days against what was on
    hand at the same lead time last year (period filters do not apply)."""

    report = staticmethod(selectors.pace)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return super().get(request)


class ForecastView(_Report):
    """Room nights and room revenue per property for the next 12 months with an 80 %
    prediction interval, and the backtest (MAPE against a seasonal-naive baseline)."""

    report = staticmethod(selectors.forecast)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return super().get(request)


GUEST_PARAMETERS = [
    OpenApiParameter("property", str, description="A property code (default: the whole chain, or your first hotel)"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First date; its whole month counts"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last date; its whole month counts (at most 1,098 days)"),
    OpenApiParameter("granularity", str, enum=["month"], description="Always months (any other value is a 400)"),
]


class GuestRatesView(_Report):
    """Guest-level rates by month: repeat rate and guests with 2+ stays against last year,
    first-to-second-stay conversion within 365 days by first-stay month (months still
    maturing left out of the headline), member activity by tier, and the churn rate from
    the churn warnings with how they closed.  Booking dimensions (channel, segment …) do
    not apply and are a 400 naming them."""

    report = staticmethod(selectors.guest_rates)

    @extend_schema(parameters=GUEST_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        f = selectors.guest_filter(request.query_params, user=request.user)
        today = hotel_today(request.user, f.prop.code if f.prop else None)
        return Response(_exact(selectors.guest_rates(f, today=today)))
