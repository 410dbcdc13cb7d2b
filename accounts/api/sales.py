"""Sales performance in the API: production of an account (and its group), the account
Pareto, decline warnings, agreement pace, the attribution review list with its link
action, monthly sales targets and salesperson scorecards.  Revenue figures need
``guests.view_revenue`` besides ``accounts.view_account``."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site import parsing
from crm_site.errors import DomainError, NotFound
from crm_site.idempotency import idempotent
from crm_site.permissions import require_perms
from guests.models import Stay

from .. import selectors, services
from ..models import SalesTarget
from ..selectors.production import add_months, month_start
from ..services.common import as_object

READ = require_perms("accounts.view_account", "guests.view_revenue")
WORK = require_perms("accounts.view_account", "guests.view_revenue", write_perms=("accounts.change_account",))
# Targets are the sales team's own business: salespeople (theirs) and the director.
TARGETS = require_perms(
    "accounts.view_account", "accounts.change_account", "guests.view_revenue", write_perms=("accounts.direct_sales",)
)


def _figures(f) -> dict:
    return f.as_dict()


def _pace(p) -> dict:
    return {
        "agreement": p.agreement.pk,
        "account": p.agreement.account_id,
        "account_name": p.agreement.account.name,
        "property": p.agreement.property.code,
        "rate_code": p.agreement.rate_code,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "committed": p.committed,
        "expected": p.expected,
        "room_nights": p.actual,
        "below_pace": p.below_pace,
    }


# The lists these reads answer: one object per account, agreement or salesperson.
LIST_OF_OBJECTS = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}


class AccountProductionView(APIView):
    """Production of the account and every account of its group for a year: per month
    (against the same month a year before), per property, per member account, and the
    pace of its signed agreements."""

    permission_classes = [READ]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="default: this year")], responses=OpenApiTypes.OBJECT
    )
    def get(self, request, pk: int):
        today = timezone.localdate()
        year = parsing.as_int(
            request.query_params.get("year"), field="year", minimum=1900, maximum=2100, default=today.year
        )
        account = selectors.visible_accounts(request.user).filter(pk=pk).first()
        if account is None:
            raise NotFound("Account not found.", field="account")
        data = selectors.account_production(account=account, year=year, today=today)
        return Response(
            {
                "account": account.pk,
                "year": year,
                "total": _figures(data.total),
                "total_last_year": _figures(data.total_last_year),
                "months": [
                    {"month": r.month.strftime("%Y-%m"), **_figures(r.current), "last_year": _figures(r.last_year)}
                    for r in data.months
                ],
                "properties": [{"property": p["property"], **_figures(p["figures"])} for p in data.properties],
                "accounts": [
                    {"account": m["account_id"], "name": m["name"], "is_self": m["is_self"], **_figures(m["figures"])}
                    for m in data.members
                ],
                "commitment": [_pace(p) for p in data.commitment],
            }
        )


def _period(params) -> tuple:
    today = timezone.localdate()
    end = month_start(today)
    start = add_months(end, -12)
    bag = []
    try:
        start = parsing.as_date(params.get("start"), field="start", required=False) or start
    except DomainError as error:
        bag.append(error)
    try:
        end = parsing.as_date(params.get("end"), field="end", required=False) or end
    except DomainError as error:
        bag.append(error)
    if bag:
        raise DomainError.many({f: m for e in bag for f, m in e.fields.items()})
    if end <= start:
        raise DomainError("The end must be after the start.", field="end", code="before_start")
    return start, end


class AccountParetoView(APIView):
    """Accounts ranked by revenue of arrivals in [start, end) (default: the last twelve
    full months) with their cumulative share; ``core`` marks the fewest accounts making
    ``share`` (default 80) per cent of the accounts' revenue."""

    permission_classes = [READ]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter("share", int, description="per cent, 1-99 (default 80)"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        start, end = _period(request.query_params)
        share = parsing.as_int(request.query_params.get("share"), field="share", minimum=1, maximum=99, default=80)
        data = selectors.account_pareto(start=start, end=end, share=share)
        data["rows"] = [
            {
                "rank": r["rank"],
                "account": r["account_id"],
                "name": r["name"],
                "account_type": r["account_type"],
                **_figures(r["figures"]),
                "share": r["share"],
                "cumulative_share": r["cumulative_share"],
                "core": r["core"],
            }
            for r in data["rows"]
        ]
        return Response(data)


class HandleSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AccountWarningsView(APIView):
    """Accounts in decline (``ACCOUNT_DECLINE_*`` settings) with their reasons and whether
    this period's warning was handled; ``owner=me`` for one's own accounts."""

    permission_classes = [READ]

    @extend_schema(parameters=[OpenApiParameter("owner", str, enum=["me"])], responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        owner = request.query_params.get("owner")
        mine = owner is not None and parsing.as_choice(owner, field="owner", choices=["me"]) == "me"
        rows = selectors.account_warnings(today=timezone.localdate(), owner_id=request.user.pk if mine else None)
        return Response(
            [
                {
                    "account": r["account"].pk,
                    "name": r["account"].name,
                    "owner": r["account"].owner_id,
                    "period": r["period"].strftime("%Y-%m"),
                    "reasons": r["reasons"],
                    "recent": _figures(r["recent"]),
                    "year_before": _figures(r["before"]),
                    "last_arrival": r["last_arrival"],
                    "handled_at": r["review"].handled_at if r["review"] else None,
                    "handled_by": r["review"].handled_by_id if r["review"] else None,
                    "note": r["review"].note if r["review"] else "",
                }
                for r in rows
            ]
        )


class AccountWarningHandleView(APIView):
    """Mark the account's current decline warning handled, with a note (owner, team or
    the director of sales)."""

    permission_classes = [WORK]

    @extend_schema(request=HandleSerializer, responses={201: OpenApiTypes.OBJECT})
    @idempotent
    def post(self, request, pk: int):
        body = as_object(request.data)
        review = services.account_warning_handle(
            account_id=pk, note=body.get("note", ""), today=timezone.localdate(), by=request.user
        )
        return Response(
            {
                "account": review.account_id,
                "period": review.period.strftime("%Y-%m"),
                "handled_at": review.handled_at,
                "note": review.note,
            },
            status=status.HTTP_201_CREATED,
        )


class AgreementPaceView(APIView):
    """Signed agreements valid today with a commitment, against their pace; ``below=1``
    for the alert list (production below commitment pace)."""

    permission_classes = [READ]

    @extend_schema(parameters=[OpenApiParameter("below", bool)], responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        below = parsing.as_bool(request.query_params.get("below"), field="below")
        rows = selectors.agreement_pace(today=timezone.localdate())
        return Response([_pace(p) for p in rows if p.below_pace or not below])


class ReviewStaySerializer(serializers.ModelSerializer):
    property = serializers.CharField(source="property.code")
    agreement = serializers.IntegerField(
        source="agreement_id", help_text="The agreement whose rate code the stay carries"
    )
    agreement_account = serializers.IntegerField(source="agreement_account_id")

    class Meta:
        model = Stay
        fields = [
            "id",
            "property",
            "confirmation_number",
            "arrival_date",
            "departure_date",
            "status",
            "rate_code",
            "company_account",
            "agent_account",
            "agreement",
            "agreement_account",
            "total_revenue",
        ]


class LinkSerializer(serializers.Serializer):
    stay = serializers.IntegerField()
    account = serializers.IntegerField()


class AttributionReviewView(ListAPIView):
    """Stays booked on an agreement's negotiated rate code (its property, valid on
    arrival) but attributed neither as company nor as agent to the agreement's account."""

    permission_classes = [READ]
    serializer_class = ReviewStaySerializer

    def get_queryset(self):
        return selectors.attribution_review(viewer=self.request.user, limit=None)


class AttributionLinkView(APIView):
    """Link a stay to an account (as agent for agencies, wholesalers and event organisers,
    else as company); only for an account the caller may change.  Unknown ids are 404s
    naming ``stay`` / ``account``."""

    permission_classes = [WORK]

    @extend_schema(request=LinkSerializer, responses={200: ReviewStaySerializer})
    @idempotent
    def post(self, request):
        body = as_object(request.data)
        stay = services.stay_account_link(stay_id=body.get("stay"), account_id=body.get("account"), by=request.user)
        return Response(
            {"id": stay.pk, "company_account": stay.company_account_id, "agent_account": stay.agent_account_id}
        )


class SalesTargetSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()

    class Meta:
        model = SalesTarget
        fields = [
            "id",
            "salesperson",
            "month",
            "revenue",
            "room_nights",
            "new_accounts",
            "activities",
            "set_by",
            "updated_at",
        ]

    def get_month(self, obj) -> str:
        return obj.month.strftime("%Y-%m")


class SalesTargetWriteSerializer(serializers.Serializer):
    salesperson = serializers.IntegerField()
    month = serializers.CharField(help_text="YYYY-MM")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    room_nights = serializers.IntegerField(required=False)
    new_accounts = serializers.IntegerField(required=False)
    activities = serializers.IntegerField(required=False)


class SalesTargetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Monthly targets per salesperson.  A salesperson reads their own; the director of
    sales reads all and sets them (POST creates or replaces the target of that
    salesperson and month).  ``?month=YYYY-MM`` and ``?salesperson=`` filter."""

    permission_classes = [TARGETS]
    serializer_class = SalesTargetSerializer
    queryset = SalesTarget.objects.none()

    def get_queryset(self):
        targets = SalesTarget.objects.all()
        if not selectors.is_director(self.request.user):
            targets = targets.filter(salesperson=self.request.user)
        params = self.request.query_params
        if params.get("month"):
            targets = targets.filter(month=parsing.as_month(params["month"], field="month"))
        if params.get("salesperson"):
            targets = targets.filter(salesperson_id=parsing.as_id(params["salesperson"], field="salesperson"))
        return targets.order_by("-month", "salesperson_id")

    @extend_schema(
        parameters=[OpenApiParameter("month", str), OpenApiParameter("salesperson", int)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SalesTargetWriteSerializer, responses={200: SalesTargetSerializer})
    @idempotent
    def create(self, request):
        target = services.sales_target_set(data=request.data, by=request.user)
        return Response(SalesTargetSerializer(target).data)

    def destroy(self, request, pk=None):
        services.sales_target_delete(target_id=pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScorecardsView(APIView):
    """Scorecards of a month (default: this month): the caller's own, or every
    salesperson's for the director of sales."""

    permission_classes = [READ]

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")], responses={200: LIST_OF_OBJECTS})
    def get(self, request):
        raw = request.query_params.get("month")
        month = parsing.as_month(raw, field="month") if raw else month_start(timezone.localdate())
        cards = selectors.scorecards(month=month, salesperson_ids=selectors.scorecard_people(request.user))
        return Response(
            [
                {
                    "salesperson": c.salesperson.pk,
                    "username": c.salesperson.get_username(),
                    "month": c.month.strftime("%Y-%m"),
                    "lines": [{**line, "attainment": c.attainment(line["actual"], line["target"])} for line in c.lines],
                    "production": _figures(c.production),
                    "warnings_handled": c.warnings_handled,
                    "surveys": c.surveys,
                    "satisfaction": c.satisfaction,
                }
                for c in cards
            ]
        )
