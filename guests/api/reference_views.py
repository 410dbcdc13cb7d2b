"""Reference data of the chain through the API: hotels, dated exchange rates, rooms to sell."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm_site.errors import DomainError
from crm_site.idempotency import idempotent

from .. import selectors, services
from ..filtersets import (
    ExchangeRateFilterSet,
    PropertyFilterSet,
    RoomInventoryFilterSet,
)
from ..models import (
    ExchangeRate,
    Property,
    RoomInventory,
)
from .bodies import request_object
from .serializers import (
    ExchangeRateBulkSerializer,
    ExchangeRateSerializer,
    PropertySerializer,
    RateReportSerializer,
    RoomInventorySerializer,
)

# Fields a client reads and may send back unchanged (GET, edit, PUT): not input.


class PropertyViewSet(viewsets.ModelViewSet):
    """The chain's hotels.  PUT and PATCH change the fields given."""

    serializer_class = PropertySerializer
    filterset_class = PropertyFilterSet
    queryset = Property.objects.all().order_by("code")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        prop = services.property_create(data=request_object(request, drop={"id"}), by=request.user)
        return Response(self.get_serializer(prop).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        kwargs.pop("partial", None)
        prop = services.property_update(
            property_id=self.get_object().pk, data=request_object(request, drop={"id"}), by=request.user
        )
        return Response(self.get_serializer(prop).data)


_RATE_OUTPUT_ONLY = {"id", "source", "created_at", "updated_at"}


class ExchangeRateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Dated exchange rates (chain currency per unit).  ``?on=YYYY-MM-DD`` lists the rate of
    each currency that applies that day.  POST adds one rate (sending a stored one again
    changes nothing); ``/bulk/`` adds up to 1,000, all or nothing; PUT and PATCH correct a
    rate's value.  Stays keep the rate they were converted with."""

    serializer_class = ExchangeRateSerializer
    filterset_class = ExchangeRateFilterSet
    queryset = ExchangeRate.objects.order_by("currency", "-valid_from")

    @extend_schema(responses={200: ExchangeRateSerializer, 201: ExchangeRateSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        rate, created = services.exchange_rate_create(
            data=request_object(request, drop=_RATE_OUTPUT_ONLY), by=request.user
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(rate).data, status=code)

    def update(self, request, *args, **kwargs):
        kwargs.pop("partial", None)
        rate = services.exchange_rate_update(
            rate_id=self.get_object().pk, data=request_object(request, drop=_RATE_OUTPUT_ONLY), by=request.user
        )
        return Response(self.get_serializer(rate).data)

    @extend_schema(request=ExchangeRateBulkSerializer, responses=RateReportSerializer)
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Add up to 1,000 rates, all or nothing: any invalid row rejects the batch (400,
        errors per row in ``rows``)."""
        payload = request.data
        rows = payload if isinstance(payload, list) else payload.get("rates") if isinstance(payload, Mapping) else None
        if not isinstance(rows, list):
            raise DomainError(_("Send a list of rates."), field="rates", code="invalid")
        if not rows:
            raise DomainError(_("Send at least one rate."), field="rates", code="required")
        if len(rows) > services.MAX_BATCH:
            raise DomainError(_("At most 1,000 rates per batch."), field="rates", code="too_many")
        report = services.exchange_rates_add(rows=rows, by=request.user)
        return Response(report.as_dict(), status=status.HTTP_200_OK)


_INVENTORY_OUTPUT_ONLY = {"id", "created_at", "updated_at"}


class RoomInventoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Rooms each property sells from a date (its inventory history).  POST adds an entry
    (one per property per day); PUT and PATCH correct its rooms or note."""

    serializer_class = RoomInventorySerializer
    filterset_class = RoomInventoryFilterSet
    queryset = RoomInventory.objects.none()  # the model, for permissions and the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RoomInventory.objects.none()
        return selectors.room_inventory_for(self.request.user).order_by("property__code", "-valid_from")

    @idempotent
    def create(self, request, *args, **kwargs):
        entry = services.room_inventory_add(data=request_object(request, drop=_INVENTORY_OUTPUT_ONLY), by=request.user)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        kwargs.pop("partial", None)
        entry = services.room_inventory_update(
            entry_id=self.get_object().pk, data=request_object(request, drop=_INVENTORY_OUTPUT_ONLY), by=request.user
        )
        return Response(self.get_serializer(entry).data)
