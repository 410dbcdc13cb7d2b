"""Accounts in the API: ``/api/v1/accounts/`` (and the old ``/api/v1/companies/``), the
account's level, plan, roadmap, timeline, handover and merge; the cross-account lists
(agenda, agreement alerts), level distribution and migration, the roadmap board, and the
vocabularies directors edit.  Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site import parsing
from crm_site.idempotency import idempotent
from crm_site.permissions import require_perms

from .. import selectors, services
from ..filtersets import AccountFilterSet, ActivityFilterSet, AgreementFilterSet
from ..models import AccountMerge, AccountPlan, Activity, Agreement, RoadmapMilestone, RoadmapStage, ValueDriver
from ..services.common import as_object
from .nested import ACCOUNT_PERMS
from .serializers import (
    AccountDetailSerializer,
    AccountMergeRequestSerializer,
    AccountMergeSerializer,
    AccountSerializer,
    ActivitySerializer,
    AgreementSerializer,
    BulkHandoverRequestSerializer,
    HandoverRequestSerializer,
    HandoverResultSerializer,
    LevelChangeRequestSerializer,
    LevelChangeSerializer,
    MilestoneSerializer,
    MilestoneTickSerializer,
    PlanSerializer,
    RoadmapStateSerializer,
    StageSerializer,
    TimelineEventSerializer,
    ValueDriverSerializer,
)

DIRECTOR = require_perms("accounts.view_account", write_perms=("accounts.direct_sales",))
MERGER = require_perms("accounts.view_account", write_perms=("accounts.merge_account",))


class _AccountCrud(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet

    def get_queryset(self):
        return selectors.account_list(selectors.visible_accounts(self.request.user)).order_by("name", "id")

    @idempotent
    def create(self, request, *args, **kwargs):
        account = services.account_create(data=request.data, by=request.user)
        return Response(AccountSerializer(account).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """PUT and PATCH change the fields given (the owner by handover, the level with a
        reason through ``level``); a parent that would make a loop is refused."""
        account = services.account_update(account_id=self.get_object().pk, data=request.data, by=request.user)
        return Response(AccountSerializer(account).data)


class CompanyViewSet(_AccountCrud):
    """The former company list, grown into accounts: the same rows as
    ``/api/v1/accounts/`` (``account_manager`` is the owner)."""


def _roadmap_state(account) -> dict:
    state = selectors.account_roadmap(account)
    progress = state["progress"]
    return {
        "current_stage": progress.stage.code if progress.stage else None,
        "next_milestone": progress.next_milestone.code if progress.next_milestone else None,
        "done": progress.done,
        "total": progress.total,
        "stages": [
            {
                "code": s["stage"].code,
                "label": s["stage"].label,
                "requires_order": s["stage"].requires_order,
                "is_current": s["is_current"],
                "milestones": [
                    {
                        "code": m["milestone"].code,
                        "label": m["milestone"].label,
                        "reached_on": m["reached"].done_on if m["reached"] else None,
                        "is_next": m["is_next"],
                    }
                    for m in s["milestones"]
                ],
            }
            for s in state["stages"]
        ],
    }


class AccountViewSet(_AccountCrud):
    """Key accounts.  ``?q=`` searches names in any script (pinyin, initials, typos on
    PostgreSQL) and ids (IATA, corporate, tax, external)."""

    @extend_schema(responses=AccountDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        """The account with its group roll-up, external ids, team, contacts coverage and
        roadmap position."""
        account = self.get_object()
        context = {
            "rollup": selectors.account_rollup(account, today=timezone.localdate()),
            "coverage": selectors.coverage_for_accounts([account.pk])[account.pk],
            "progress": selectors.progress_for_accounts([account.pk])[account.pk],
        }
        return Response(AccountDetailSerializer(account, context=context).data)

    @extend_schema(request=HandoverRequestSerializer, responses=HandoverResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[DIRECTOR])
    def handover(self, request, pk=None):
        """Director of sales: a new owner; the previous owner's open activities move too."""
        data = as_object(request.data)
        result = services.account_handover(
            account_ids=[self.get_object().pk], new_owner=data.get("owner"), by=request.user
        )
        return Response(HandoverResultSerializer(result).data)

    @extend_schema(request=LevelChangeRequestSerializer, responses={201: LevelChangeSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ACCOUNT_PERMS])
    def level(self, request, pk=None):
        """Set the relationship level: a reason is required; target level and review date."""
        data = as_object(request.data)
        change = services.account_level_change(
            account_id=self.get_object().pk,
            level=data.get("level"),
            reason=data.get("reason"),
            target_level=data.get("target_level") or "",
            review_on=data.get("review_on"),
            effective_on=data.get("effective_on"),
            by=request.user,
        )
        return Response(LevelChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LevelChangeSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[ACCOUNT_PERMS], pagination_class=None)
    def levels(self, request, pk=None):
        """The level history, newest first."""
        return Response(LevelChangeSerializer(selectors.level_history(self.get_object()), many=True).data)

    @extend_schema(request=AccountMergeRequestSerializer, responses={201: AccountMergeSerializer})
    @action(detail=True, methods=["post"], permission_classes=[MERGER])
    def merge(self, request, pk=None):
        """Merge a duplicate (``merged``) into this account; undo via ``account-merges``."""
        data = as_object(request.data)
        record = services.account_merge(
            survivor_id=self.get_object().pk, merged_id=data.get("merged"), note=data.get("note") or "", by=request.user
        )
        return Response(AccountMergeSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=PlanSerializer)
    @extend_schema(methods=["PATCH"], request=PlanSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["get", "patch"], permission_classes=[ACCOUNT_PERMS])
    def plan(self, request, pk=None):
        """Discovery, share of wallet, unique proposal and expected-value scores (PATCH
        ``scores``: [{driver, importance, our_score, note}]); competitors and documents
        have their own endpoints."""
        account = self.get_object()
        if request.method == "PATCH":
            data = as_object(request.data)
            fields = {k: v for k, v in data.items() if k in services.PLAN_FIELDS}
            if fields or "scores" not in data:
                services.plan_update(account_id=account.pk, data=fields, by=request.user)
            if "scores" in data:
                services.driver_scores_set(account_id=account.pk, scores=data["scores"], by=request.user)
        plan = AccountPlan.objects.filter(account=account).first() or AccountPlan(account=account)
        body = {field: getattr(plan, field) for field in services.PLAN_FIELDS}
        body["scores"] = list(account.driver_scores.select_related("driver").order_by("driver__sort_order"))
        body["competitors"] = list(account.competitors.all())
        body["documents"] = list(account.documents.all())
        return Response(PlanSerializer(body).data)

    @extend_schema(methods=["GET"], responses=RoadmapStateSerializer)
    @extend_schema(methods=["POST"], request=MilestoneTickSerializer, responses={201: RoadmapStateSerializer})
    @action(detail=True, methods=["get", "post"], permission_classes=[ACCOUNT_PERMS])
    def milestones(self, request, pk=None):
        """The account's roadmap; POST ticks a milestone (in order where the stage says so)."""
        account = self.get_object()
        if request.method == "POST":
            data = as_object(request.data)
            services.milestone_tick(
                account_id=account.pk,
                milestone=data.get("milestone"),
                done_on=data.get("done_on"),
                note=data.get("note") or "",
                by=request.user,
            )
            return Response(RoadmapStateSerializer(_roadmap_state(account)).data, status=status.HTTP_201_CREATED)
        return Response(RoadmapStateSerializer(_roadmap_state(account)).data)

    @extend_schema(request=None, responses=RoadmapStateSerializer)
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"milestones/(?P<milestone>[a-z0-9-]{1,40})",
        permission_classes=[ACCOUNT_PERMS],
    )
    def untick(self, request, pk=None, milestone=None):
        """Take a milestone's tick back (in an ordered stage, only the last one)."""
        account = self.get_object()
        services.milestone_untick(account_id=account.pk, milestone=milestone, by=request.user)
        return Response(RoadmapStateSerializer(_roadmap_state(account)).data)

    @extend_schema(responses=TimelineEventSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[ACCOUNT_PERMS], pagination_class=None)
    def timeline(self, request, pk=None):
        """Every activity, level change, milestone and agreement event, newest first."""
        rows = selectors.account_timeline(self.get_object())
        return Response(TimelineEventSerializer(rows, many=True).data)


class HandoverView(APIView):
    """Director of sales: hand several accounts to one new owner in one transaction."""

    permission_classes = [require_perms("accounts.view_account", "accounts.direct_sales")]

    @extend_schema(request=BulkHandoverRequestSerializer, responses=HandoverResultSerializer)
    def post(self, request):
        data = as_object(request.data)
        result = services.account_handover(
            account_ids=data.get("accounts"), new_owner=data.get("owner"), by=request.user
        )
        return Response(HandoverResultSerializer(result).data)


class AllActivitiesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Activities across accounts: a salesperson's agenda is ``?owner=me&status=open``,
    the overdue list ``?overdue=true``."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    permission_classes = [ACCOUNT_PERMS]
    queryset = Activity.objects.none()

    def get_queryset(self):
        return selectors.activities(self.request.user).order_by("due_on", "id")


class AllAgreementsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Agreements across accounts; ``expiring`` lists those ending within 60 days."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    permission_classes = [ACCOUNT_PERMS]
    queryset = Agreement.objects.none()

    def get_queryset(self):
        return selectors.agreements(self.request.user).order_by("valid_to", "id")

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="Alert window in days (default 60, at most 366)")],
        responses=AgreementSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def expiring(self, request):
        days = parsing.as_int(request.query_params.get("days"), field="days", minimum=0, maximum=366, default=60)
        rows = selectors.expiring_agreements(today=timezone.localdate(), days=days, viewer=request.user)
        return Response(AgreementSerializer(rows, many=True).data)


class AccountMergeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Account merges: what moved; ``undo`` restores both accounts exactly."""

    serializer_class = AccountMergeSerializer
    queryset = AccountMerge.objects.order_by("-merged_at", "-id")
    filterset_fields = ["survivor", "merged"]
    permission_classes = [require_perms("accounts.merge_account")]

    @extend_schema(request=None, responses=AccountMergeSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        return Response(AccountMergeSerializer(services.account_merge_undo(merge_id=pk, by=request.user)).data)


class LevelDistributionView(APIView):
    """Active accounts per relationship level, overall and per account type."""

    permission_classes = [require_perms("accounts.view_account")]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        data = selectors.level_distribution(request.user)
        data["levels"] = [{k: v for k, v in row.items() if k != "bar"} for row in data["levels"]]
        return Response(data)


class LevelMigrationView(APIView):
    """Accounts by level at the start (rows; ``new`` = not an account yet) and the end
    (columns) of a quarter."""

    permission_classes = [require_perms("accounts.view_account")]

    @extend_schema(
        parameters=[OpenApiParameter("quarter", str, description="YYYY-Qn (default: the running quarter)")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        label, start, end = selectors.quarter_bounds(request.query_params.get("quarter"))
        data = selectors.level_migration(start=start, end=end, viewer=request.user)
        return Response(
            {
                "quarter": label,
                "start": start,
                "end": end,
                "matrix": data["matrix"],
                "upgraded": data["upgraded"],
                "downgraded": data["downgraded"],
            }
        )


class RoadmapBoardView(APIView):
    """Accounts by current roadmap stage with their next milestone (key accounts unless
    ``account_class`` says otherwise; ``owner=me`` for one's own)."""

    permission_classes = [require_perms("accounts.view_account")]

    @extend_schema(
        parameters=[
            OpenApiParameter("account_class", str, description="ordinary | major | key | all (default key)"),
            OpenApiParameter("owner", str, description="a user id or “me”"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        accounts = board_accounts(request)
        board = selectors.roadmap_board(accounts)
        return Response(
            {
                "count": board["count"],
                "columns": [
                    {
                        "stage": column["stage"].code if column["stage"] else None,
                        "accounts": [
                            {
                                "id": card["account"].pk,
                                "name": card["account"].name,
                                "owner": card["account"].owner_id,
                                "next_milestone": card["progress"].next_milestone.code
                                if card["progress"].next_milestone
                                else None,
                                "done": card["progress"].done,
                                "total": card["progress"].total,
                            }
                            for card in column["cards"]
                        ],
                    }
                    for column in board["columns"]
                ],
            }
        )


def board_accounts(request):
    """The accounts a board shows, from ``account_class`` and ``owner`` (400 naming them)."""
    from ..models import AccountClass

    params = request.GET if hasattr(request, "GET") else request.query_params
    klass = parsing.as_choice(
        params.get("account_class") or "key", field="account_class", choices=[*AccountClass.values, "all"]
    )
    accounts = selectors.visible_accounts(request.user).select_related("owner").order_by("name", "id")
    if klass != "all":
        accounts = accounts.filter(account_class=klass)
    owner = (params.get("owner") or "").strip()
    if owner == "me":
        accounts = accounts.filter(owner=request.user)
    elif owner:
        accounts = accounts.filter(owner_id=parsing.as_id(owner, field="owner"))
    return accounts


class _VocabularyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """A vocabulary directors edit (no delete: switch an entry off with ``is_active``)."""

    save = None

    def create(self, request, *args, **kwargs):
        entry = type(self).save(data=request.data, by=request.user)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entry = type(self).save(data=request.data, by=request.user, **{self.id_kwarg: self.get_object().pk})
        return Response(self.get_serializer(entry).data)


class StageViewSet(_VocabularyViewSet):
    """Roadmap stages with their milestones (the sales cycle's key nodes)."""

    serializer_class = StageSerializer
    queryset = RoadmapStage.objects.prefetch_related("milestones").order_by("sort_order", "id")
    save, id_kwarg = staticmethod(services.stage_save), "stage_id"


class MilestoneViewSet(_VocabularyViewSet):
    serializer_class = MilestoneSerializer
    queryset = RoadmapMilestone.objects.select_related("stage").order_by("stage__sort_order", "sort_order", "id")
    filterset_fields = ["stage", "is_active"]
    save, id_kwarg = staticmethod(services.milestone_save), "milestone_id"


class ValueDriverViewSet(_VocabularyViewSet):
    """Expected-value drivers (price, location, flexibility, billing, meeting space …)."""

    serializer_class = ValueDriverSerializer
    queryset = ValueDriver.objects.order_by("sort_order", "code")
    save, id_kwarg = staticmethod(services.driver_save), "driver_id"
