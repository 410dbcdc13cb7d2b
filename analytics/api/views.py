"""Thin API views over ``analytics.selectors``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site.permissions import require_perms
from crm_site.revenue import PERMISSION as REVENUE

from .. import selectors
from ..filtersets import SegmentationRunFilterSet
from .serializers import ParetoSerializer, PyramidSerializer, SegmentationRunSerializer

# The pyramid and Pareto rank guests by revenue: they need the revenue permission too.
DASHBOARD = ("analytics.view_dashboard", REVENUE)

RUN_PARAMETERS = [
    OpenApiParameter("run", int, description="A completed run id (default: the current run)"),
    OpenApiParameter("property", str, description="A property code: that hotel's own figures"),
]


class SegmentationRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Segmentation runs, newest first: parameters, status, counts, duration and the
    migration matrix from the previous run."""

    permission_classes = [require_perms(*DASHBOARD)]
    serializer_class = SegmentationRunSerializer
    filterset_class = SegmentationRunFilterSet
    queryset = selectors.run_history()


class PyramidView(APIView):
    """The customer pyramid of a run: each segment's guests, net revenue, shares and
    revenue range (thresholds).  With ``?property=`` that hotel's own pyramid: its active
    guests ranked by their revenue at that hotel, with the same cuts."""

    permission_classes = [require_perms(*DASHBOARD)]

    @extend_schema(parameters=RUN_PARAMETERS, responses=PyramidSerializer)
    def get(self, request):
        prop = selectors.resolve_property(request.query_params.get("property"))
        run = selectors.resolve_run(request.query_params.get("run"))
        return Response(PyramidSerializer(selectors.pyramid(run=run, prop=prop)).data)


class ParetoView(APIView):
    """Pareto (80/20): revenue share of the top 20 % of active guests, the Gini
    coefficient, the Lorenz curve and the trend across runs."""

    permission_classes = [require_perms(*DASHBOARD)]

    @extend_schema(parameters=RUN_PARAMETERS, responses=ParetoSerializer)
    def get(self, request):
        prop = selectors.resolve_property(request.query_params.get("property"))
        run = selectors.resolve_run(request.query_params.get("run"))
        return Response(ParetoSerializer(selectors.pareto(run=run, prop=prop)).data)
