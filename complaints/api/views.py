"""Thin API views: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm_site import scope
from crm_site.errors import DomainError
from crm_site.idempotency import idempotent
from crm_site.permissions import require_perms
from guests.models import Property

from .. import selectors, services
from ..filtersets import ComplaintFilterSet
from ..models import Complaint
from .serializers import (
    AnalysisQuerySerializer,
    ComplaintCreateSerializer,
    ComplaintEventSerializer,
    ComplaintSerializer,
    LinkGuestSerializer,
    TransitionSerializer,
)


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints at the caller's properties.  Lists filter by status, property, category,
    severity, overdue, assignee...; ``?ordering=time_left`` (the default) puts the least
    time left first and resolved complaints last.  The status changes only through
    ``/transition/``."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilterSet
    queryset = Complaint.objects.none()

    def get_queryset(self):
        return selectors.complaint_list(viewer=self.request.user)

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Log a complaint (needs ``complaints.add_complaint`` and the property in scope)."""
        serializer = ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[require_perms("complaints.view_complaint")])
    @idempotent
    def transition(self, request, pk=None):
        """Move the complaint: ``{"to": "assigned", "assignee": 7}``, ``{"to": "resolved",
        "action_taken": "...", "compensation_points": 500}``, ``{"to": "feedback_recorded",
        "satisfaction": 4}``, ``{"to": "investigating", "comment": "why"}`` to reopen...
        An illegal move is 400, a move without its permission 403, both naming ``to``."""
        complaint = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        updated = services.complaint_transition(complaint=complaint, by=request.user, **data)
        return Response(self.get_serializer(updated).data)

    @extend_schema(responses=ComplaintEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request, pk=None):
        """Every step of the complaint, oldest first (append-only)."""
        complaint = self.get_object()
        events = selectors.complaint_timeline(complaint=complaint)
        return Response(ComplaintEventSerializer(events, many=True).data)

    @extend_schema(request=LinkGuestSerializer, responses=ComplaintSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="link-guest",
        permission_classes=[require_perms("complaints.view_complaint", "complaints.change_complaint")],
    )
    def link_guest(self, request, pk=None):
        """Link a walk-up complaint to the guest and/or stay once known."""
        complaint = self.get_object()
        serializer = LinkGuestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = services.complaint_link_guest(
            complaint=complaint,
            guest=data.get("guest"),
            stay=data.get("stay"),
            by=request.user,
            comment=data.get("comment", ""),
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("property", str, description="Property code"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filterset_class=None,
        permission_classes=[require_perms("complaints.view_complaint_analysis")],
    )
    def analysis(self, request):
        """The complaint analysis (default: the last 365 days at the caller's properties)."""
        query = AnalysisQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        date_to = query.validated_data.get("date_to") or today
        date_from = query.validated_data.get("date_from") or date_to - dt.timedelta(days=365)
        prop = None
        code = (query.validated_data.get("property") or "").strip().upper()
        if code:
            prop = Property.objects.filter(code=code).first()
            if prop is None:
                raise DomainError(_("Unknown property."), field="property")
            scope.require_property(prop, request.user)
        figures = selectors.complaint_analysis(viewer=request.user, date_from=date_from, date_to=date_to, property=prop)
        median = figures.pop("median_time_to_resolve")
        figures["median_seconds_to_resolve"] = int(median.total_seconds()) if median is not None else None
        for month in figures["by_month"]:
            for key in ("height", "y", "x"):
                month.pop(key, None)
        figures.pop("chart_width", None)
        for row in figures["satisfaction"]["distribution"]:
            row.pop("width", None)
            row.pop("offset", None)
        for row in figures["compensation"]["money"]:
            row["total"] = str(row["total"])
        return Response(figures)
