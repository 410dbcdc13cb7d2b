"""Thin API views over the run table: chain administrators list runs, read one, and
rerun a date."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from crm_site.idempotency import idempotent

from .. import selectors, services
from ..filtersets import NightlyRunFilterSet
from ..models import NightlyRun
from .serializers import NightlyRunRequestSerializer, NightlyRunSerializer


class NightlyRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The nightly pipeline, one run per as-of date, each with its steps in order:
    status, timings, counts and the error of a failed step (later steps skipped)."""

    serializer_class = NightlyRunSerializer
    filterset_class = NightlyRunFilterSet
    queryset = NightlyRun.objects.none()

    def get_queryset(self):
        return selectors.nightly_runs()

    @extend_schema(request=NightlyRunRequestSerializer, responses={202: NightlyRunSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Rerun the pipeline for a date (``{"as_of": "2026-05-01"}``; default today),
        replacing that date's run; 409 while that date's run is still in progress.
        Answers 202: the steps run on the workers (poll the run)."""
        serializer = NightlyRunRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.nightly_run_request(
            as_of=serializer.validated_data.get("as_of"), trigger=NightlyRun.Trigger.REQUEST, by=request.user
        )
        services.nightly_run_dispatch(run=run)
        run = selectors.nightly_runs().get(pk=run.pk)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)
