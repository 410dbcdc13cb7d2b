"""Thin API views: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site.errors import DomainError
from crm_site.idempotency import idempotent
from crm_site.permissions import require_perms

from .. import selectors, services
from ..filtersets import GuestFilterSet, PropertyFilterSet, StayFilterSet
from ..models import Company, Guest, GuestPreference, Property, Stay
from .serializers import (
    CompanySerializer,
    GuestPreferenceSerializer,
    GuestSerializer,
    ProfileSerializer,
    PropertySerializer,
    StayBulkResultSerializer,
    StayBulkSerializer,
    StaySerializer,
)


class GuestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Chain-wide guest profiles.  ``?q=`` searches names (typos, pinyin, initials),
    phone suffixes, e-mails and member numbers.  Updates need the ``version`` you read:
    a stale one is refused with 409."""

    serializer_class = GuestSerializer
    filterset_class = GuestFilterSet
    queryset = Guest.objects.filter(merged_into__isnull=True).select_related("company").order_by("id")

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Search text")])
    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()
        if query:
            guests = selectors.guest_search(query=query)
            ids = [g.pk for g in guests]
            filtered = self.filter_queryset(self.get_queryset().filter(pk__in=ids))
            keep = set(filtered.values_list("pk", flat=True))
            results = [g for g in guests if g.pk in keep]
            data = self.get_serializer(results, many=True).data
            return Response({"count": len(data), "next": None, "previous": None, "results": data})
        return super().list(request, *args, **kwargs)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        guest = services.guest_create(data=data, by=request.user)
        return Response(self.get_serializer(guest).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        guest = self.get_object()
        serializer = self.get_serializer(guest, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        updated = services.guest_update(guest_id=guest.pk, expected_version=version, data=data, by=request.user)
        return Response(self.get_serializer(updated).data)

    @extend_schema(responses=ProfileSerializer)
    @action(detail=True, methods=["get"])
    def profile(self, request, pk=None):
        """The guest 360 view in one call (constant number of queries)."""
        guest = self.get_object()
        profile = selectors.guest_profile(guest_id=guest.pk, viewer=request.user)
        return Response(ProfileSerializer(profile).data)


class GuestPreferenceViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """A guest's preferences; posting an existing preference re-confirms it."""

    serializer_class = GuestPreferenceSerializer
    queryset = GuestPreference.objects.all()
    pagination_class = None

    def get_guest(self) -> Guest:
        return get_object_or_404(Guest.objects.filter(merged_into__isnull=True), pk=self.kwargs["guest_pk"])

    def get_queryset(self):
        return (
            GuestPreference.objects.filter(guest=self.get_guest())
            .select_related("preference_type", "source_property")
        )

    def create(self, request, *args, **kwargs):
        guest = self.get_guest()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        preference = services.preference_set(
            guest=guest,
            preference_type=data["preference_type"],
            note=data.get("note", ""),
            source=data.get("source", GuestPreference.Source.STAFF),
            source_property=data.get("source_property"),
            confirmed_on=data.get("last_confirmed"),
            by=request.user,
        )
        return Response(self.get_serializer(preference).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.preference_remove(guest=self.get_guest(), preference_id=kwargs["pk"], by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StayViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Stays.  POST upserts by property + confirmation number (re-sending changes
    nothing); ``/bulk/`` upserts up to 1,000 at once, all or nothing."""

    serializer_class = StaySerializer
    filterset_class = StayFilterSet
    queryset = Stay.objects.select_related("property").order_by("-arrival_date", "-id")

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stay = services.stay_upsert(row=serializer.validated_data, by=request.user)
        return Response(self.get_serializer(stay).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        stay = self.get_object()
        serializer = self.get_serializer(stay, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        updated = services.stay_update(stay=stay, data=serializer.validated_data, by=request.user)
        return Response(self.get_serializer(updated).data)

    @extend_schema(request=StayBulkSerializer, responses=StayBulkResultSerializer)
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Upsert a batch of stays; any invalid row rejects the batch (errors per row)."""
        payload = request.data
        if isinstance(payload, list):
            payload = {"stays": payload}
        serializer = StayBulkSerializer(data=payload)
        if not serializer.is_valid():
            errors = serializer.errors
            rows = errors.get("stays")
            if isinstance(rows, list):
                report = [
                    {"row": i, "field": field, "message": str(msgs[0])}
                    for i, row_errors in enumerate(rows)
                    if row_errors
                    for field, msgs in (row_errors.items() if isinstance(row_errors, dict) else [("stays", [row_errors])])
                ]
                return Response(
                    {"detail": [_("%(n)d row(s) rejected; nothing was written.") % {"n": len(report)}],
                     "rows": report},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        saved = services.stays_upsert(rows=serializer.validated_data["stays"], by=request.user)
        return Response({"upserted": len(saved)}, status=status.HTTP_200_OK)


class PropertyViewSet(viewsets.ModelViewSet):
    serializer_class = PropertySerializer
    filterset_class = PropertyFilterSet
    queryset = Property.objects.all().order_by("code")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class CompanyViewSet(viewsets.ModelViewSet):
    serializer_class = CompanySerializer
    queryset = Company.objects.all().order_by("name")
    filterset_fields = ["relationship_level", "account_manager"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class ArrivalsView(APIView):
    """Arrivals of one day at one property with preferences, alerts and badges."""

    permission_classes = [require_perms("guests.view_stay", "guests.view_guest")]

    @extend_schema(
        parameters=[
            OpenApiParameter("property", str, required=True, description="Property code"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        code = request.query_params.get("property", "").strip().upper()
        if not code:
            raise DomainError(_("Give a property code."), field="property")
        prop = selectors.visible_properties(request.user).filter(code=code).first()
        if prop is None:
            raise DomainError(_("Unknown property, or not one of yours."), field="property")
        raw_date = request.query_params.get("date")
        try:
            day = dt.date.fromisoformat(raw_date) if raw_date else selectors.default_arrival_date()
        except ValueError:
            raise DomainError(_("Enter a valid date (YYYY-MM-DD)."), field="date") from None
        rows = selectors.arrivals(property=prop, date=day, viewer=request.user)
        return Response(
            {
                "property": prop.code,
                "date": day.isoformat(),
                "count": len(rows),
                "results": [
                    {
                        "stay": StaySerializer(r["stay"]).data,
                        "guest": GuestSerializer(r["guest"]).data if r["guest"] else None,
                        "preferences": GuestPreferenceSerializer(r["preferences"], many=True).data,
                        "alerts": [a.text for a in r["alerts"]],
                        "badges": [{"label": str(b.label), "kind": b.kind} for b in r["badges"]],
                    }
                    for r in rows
                ],
            }
        )
