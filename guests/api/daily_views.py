"""The daily lists of a hotel through the API: arrivals, in-house guests, departures."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site import parsing
from crm_site.errors import ErrorBag
from crm_site.permissions import require_perms

from .. import selectors
from .serializers import (
    ArrivalsSerializer,
)

# Fields a client reads and may send back unchanged (GET, edit, PUT): not input.


class DailyListView(APIView):
    """A daily list of one property: arrivals (room, ETA, VIP, tier, preferences, alerts,
    open complaints, first stay, birthday during the stay), in-house guests or departures.
    The day defaults to the property's business date (its own time zone)."""

    permission_classes = [require_perms("guests.view_stay", "guests.view_guest")]
    kind = selectors.ARRIVALS

    @extend_schema(
        parameters=[
            OpenApiParameter("property", str, required=True, description="Property code"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default: the property's business date"),
        ],
        responses=ArrivalsSerializer,
    )
    def get(self, request):
        params, bag = request.query_params, ErrorBag()
        prop = bag.check(selectors.list_property, params.get("property"), request.user)
        day = bag.check(parsing.as_date, params.get("date"), field="date", required=False)
        bag.raise_if_any()
        day = day or prop.business_date()
        rows = selectors.daily_list(kind=self.kind, property=prop, date=day, viewer=request.user)
        # Plain dicts from the selector, rendered as they are: a serializer per row cost
        # most of a 500-arrival day (ArrivalsSerializer documents the shape).
        return Response(
            {
                "kind": self.kind,
                "property": prop.code,
                "time_zone": prop.timezone,
                "date": day,
                "business_date": prop.business_date(),
                "count": len(rows),
                "totals": selectors.list_totals(rows),
                "results": rows,
            }
        )


class ArrivalsView(DailyListView):
    """A day's arrivals at one property with what to prepare."""

    kind = selectors.ARRIVALS


class InHouseView(DailyListView):
    """The guests staying the night of a day at one property."""

    kind = selectors.IN_HOUSE


class DeparturesView(DailyListView):
    """A day's departures at one property."""

    kind = selectors.DEPARTURES
