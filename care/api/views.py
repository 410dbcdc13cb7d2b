"""Thin API views: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from crm_site.errors import ErrorBag
from crm_site.idempotency import idempotent
from crm_site.parsing import as_month
from crm_site.permissions import require_perms
from guests.models import Property

from .. import rules, selectors, services
from ..filtersets import CareTaskFilterSet, ChurnWarningFilterSet, StaySurveyFilterSet
from ..models import CareTask, StaySurvey
from .serializers import (
    CareTaskDoneSerializer,
    CareTaskSerializer,
    ChurnWarningSerializer,
    ChurnWarningUpdateSerializer,
    SatisfactionSerializer,
    StaySurveySerializer,
)


class WarningAccess(BasePermission):
    """Read: ``care.view_churnwarning`` or a salesperson (their own warnings).  The
    services decide who may assign or record outcomes."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perm("care.view_churnwarning") or rules.is_sales_user(user)


class ChurnWarningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Churn warnings, best score first.  Without ``status`` only open ones are listed.
    PATCH assigns (``assigned_to``) and/or records an outcome (contacted, offer_made,
    won_back, lost — lost needs ``lost_reason``)."""

    serializer_class = ChurnWarningSerializer
    filterset_class = ChurnWarningFilterSet
    permission_classes = [WarningAccess]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.worklist(self.request.user)

    def filter_queryset(self, queryset):
        # The list filters (open warnings by default) never hide a warning asked for by id.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(request=ChurnWarningUpdateSerializer, responses=ChurnWarningSerializer)
    @idempotent
    def partial_update(self, request, *args, **kwargs):
        warning = self.get_object()
        serializer = ChurnWarningUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if "assigned_to" in data:
                services.warning_assign(warning_id=warning.pk, assignee=data["assigned_to"], by=request.user)
            if "outcome" in data:
                services.warning_record_outcome(
                    warning_id=warning.pk,
                    outcome=data["outcome"],
                    lost_reason=data.get("lost_reason", ""),
                    competitor=data.get("competitor", ""),
                    note=data.get("note", ""),
                    channel=data.get("channel", ""),
                    by=request.user,
                )
        return Response(self.get_serializer(self.get_queryset().get(pk=warning.pk)).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="First month (default: 11 months ago)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last month (default: this month)"),
            OpenApiParameter("property", str, description="Property code of the guest's last stay"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="lost-analysis",
        permission_classes=[require_perms("care.view_lost_analysis")],
    )
    def lost_analysis(self, request):
        """Lost guests per month: reasons and competitors."""
        start, end, prop = _lost_analysis_params(request)
        analysis = selectors.lost_analysis(start=start, end=end, property=prop, viewer=request.user)
        return Response(_lost_analysis_body(analysis))


def _lost_analysis_params(request):
    """``start``, ``end`` (months, years 1900-2100, at most 36 apart) and ``property``;
    every invalid parameter is reported at once."""
    today = timezone.localdate()
    params = request.query_params
    bag = ErrorBag()
    default_start = (today.replace(day=1) - dt.timedelta(days=320)).replace(day=1)
    start = bag.check(as_month, params.get("start") or default_start, field="start")
    end = bag.check(as_month, params.get("end") or today, field="end")
    if start and end and end < start:
        bag.add(_("The end month cannot be before the start month."), field="end")
    elif start and end and (end.year - start.year) * 12 + end.month - start.month > 35:
        bag.add(_("Show at most 36 months at once."), field="end")
    prop = None
    code = str(params.get("property", "")).strip().upper()
    if code:
        prop = Property.objects.filter(code=code[:20]).first()
        if prop is None:
            bag.add(_("Unknown property."), field="property")
    bag.raise_if_any()
    return start, end, prop


def _lost_analysis_body(analysis: dict) -> dict:
    return {
        "months": [m.strftime("%Y-%m") for m in analysis["months"]],
        "reasons": analysis["reasons"],
        "by_month": [
            {
                "month": r["month"].strftime("%Y-%m"),
                "total": r["total"],
                "reasons": {reason["code"]: n for reason, n in zip(analysis["reasons"], r["counts"], strict=True)},
            }
            for r in analysis["rows"]
        ],
        "competitors": [
            {
                "name": c["name"],
                "total": c["total"],
                "by_month": {m.strftime("%Y-%m"): n for m, n in zip(analysis["months"], c["counts"], strict=True)},
            }
            for c in analysis["competitors"]
        ],
        "total": analysis["total"],
    }


class CareTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The care list: birthdays, anniversaries, post-stay follow-ups, win-backs.  Staff
    who are not chain-wide see the items of their properties."""

    serializer_class = CareTaskSerializer
    filterset_class = CareTaskFilterSet
    permission_classes = [require_perms("care.view_caretask", write_perms=("care.change_caretask",))]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return CareTask.objects.none()
        return (
            selectors.visible_care_tasks(self.request.user)
            .select_related("guest", "property", "email")
            .order_by("due_date", "kind", "id")
        )

    @extend_schema(request=CareTaskDoneSerializer, responses=CareTaskSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def done(self, request, pk=None):
        """Mark a care item done; the contact is logged on the guest."""
        task = self.get_object()
        serializer = CareTaskDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.care_task_complete(task_id=task.pk, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(request=None, responses=CareTaskSerializer)
    @action(detail=True, methods=["post"], url_path="send-email")
    def send_email(self, request, pk=None):
        """E-mail the guest about this item (once; needs marketing e-mail consent)."""
        task = self.get_object()
        services.care_task_send_email(task_id=task.pk, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)


class StaySurveyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Post-stay satisfaction surveys (one per checked-out stay, overall 1-5)."""

    serializer_class = StaySurveySerializer
    filterset_class = StaySurveyFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return StaySurvey.objects.none()
        return (
            selectors.visible_surveys(self.request.user)
            .select_related("stay__property")
            .order_by("-received_on", "-id")
        )

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        survey = services.survey_record(
            stay_id=data["stay"].pk,
            guest_id=data["guest"].pk if data.get("guest") else None,
            overall=data["overall"],
            comment=data.get("comment", ""),
            received_on=data.get("received_on"),
            source=data.get("source") or StaySurvey.Source.API,
            by=request.user,
        )
        survey = self.get_queryset().get(pk=survey.pk)
        return Response(self.get_serializer(survey).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SatisfactionSerializer)
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """Count, average and top-box share of the filtered surveys."""
        surveys = self.filter_queryset(self.get_queryset())
        return Response(SatisfactionSerializer(selectors.satisfaction_summary(surveys)).data)
