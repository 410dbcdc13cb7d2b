"""Thin API views: parse, check the permission for what is asked, call one service."""

from __future__ import annotations

import contextlib

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm_site import scope
from crm_site.errors import ConflictError, DomainError
from crm_site.idempotency import idempotent
from crm_site.parsing import as_text
from crm_site.permissions import require_perms

from .. import selectors, services
from ..filtersets import (
    MembershipFilterSet,
    MissingPointsClaimFilterSet,
    PointsTransactionFilterSet,
    RewardFilterSet,
    TierFilterSet,
)
from ..models import Membership, MissingPointsClaim, PointsTransaction, Redemption, Reward, Tier
from .serializers import (
    ClaimApproveSerializer,
    ClaimRejectSerializer,
    EnrolSerializer,
    MembershipSerializer,
    MissingPointsClaimSerializer,
    PointsTransactionRequestSerializer,
    PointsTransactionSerializer,
    RedemptionRequestSerializer,
    RedemptionSerializer,
    RewardSerializer,
    TierSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="Unique per intended write: a retry with the same key and body returns the first answer; "
    "the same key with another body is refused with 409.",
)
KIND_PERMISSIONS = {
    PointsTransaction.Kind.EARN: "loyalty.earn_points",
    PointsTransaction.Kind.REDEEM: "loyalty.redeem_points",
    PointsTransaction.Kind.ADJUST: "loyalty.adjust_points",
}


def _ledger_key(request, membership: Membership) -> str:
    """The ledger key of an API write: the client's Idempotency-Key, scoped to the
    membership so two clients' keys cannot collide."""
    prefix = f"api:{membership.pk}:"
    key = as_text(
        request.META.get("HTTP_IDEMPOTENCY_KEY"),
        field="Idempotency-Key",
        max_length=services.MAX_KEY_LENGTH - len(prefix),
        required=True,
        message=_("Send an Idempotency-Key header with every points write."),
    )
    return f"{prefix}{key}"


@contextlib.contextmanager
def _header_conflicts():
    """Report a reused key under the header's name, as crm_site.idempotency does."""
    try:
        yield
    except ConflictError as error:
        if error.field == "idempotency_key":
            raise ConflictError(error.message, field="Idempotency-Key") from None
        raise


class TierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Tiers and their rules.  Chain admins may change thresholds, multiplier and benefits."""

    serializer_class = TierSerializer
    filterset_class = TierFilterSet
    queryset = Tier.objects.order_by("rank")

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        tier = self.get_object()
        serializer = self.get_serializer(tier, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        tier = services.tier_update(tier=tier, data=serializer.validated_data, by=request.user, channel="api")
        return Response(self.get_serializer(tier).data)


class MembershipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Memberships.  POST ``{"guest": id}`` enrols a guest at the base tier (201); a guest
    who is already a member gets their membership back (200)."""

    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    queryset = Membership.objects.select_related("tier").order_by("id")

    @extend_schema(request=EnrolSerializer, responses=MembershipSerializer)
    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = EnrolSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership, created = services.membership_enrol(guest=serializer.validated_data["guest"], by=request.user)
        return Response(
            MembershipSerializer(membership, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def explanation(self, request, pk=None):
        """Why the member holds their tier, this year's qualifying activity and what the
        next tier needs."""
        membership = self.get_object()
        return Response(selectors.membership_explanation(membership=membership, viewer=request.user))


class _MembershipChild(viewsets.GenericViewSet):
    def get_membership(self) -> Membership:
        return get_object_or_404(Membership.objects.select_related("tier"), pk=self.kwargs["membership_pk"])


class MembershipTransactionViewSet(mixins.ListModelMixin, _MembershipChild):
    """A member's points ledger, newest first, each row with the balance after it.

    POST needs an ``Idempotency-Key`` header and, by kind, the permission to earn
    (integrations), redeem (front desk) or adjust (chain admins)."""

    serializer_class = PointsTransactionSerializer
    filterset_class = PointsTransactionFilterSet
    permission_classes = [require_perms("loyalty.view_membership", "loyalty.view_pointstransaction")]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no membership in the URL
            return PointsTransaction.objects.none()
        return (
            PointsTransaction.objects.filter(membership=self.get_membership()).select_related("actor").order_by("-id")
        )

    @extend_schema(
        request=PointsTransactionRequestSerializer,
        responses={201: PointsTransactionSerializer, 200: PointsTransactionSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        membership = self.get_membership()
        kind = request.data.get("kind") if hasattr(request.data, "get") else None
        permission = KIND_PERMISSIONS.get(kind)
        if permission and not request.user.has_perm(permission):
            raise exceptions.PermissionDenied(_("You may not post this kind of transaction."))
        serializer = PointsTransactionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = _ledger_key(request, membership)
        created = True
        with _header_conflicts():
            if kind == PointsTransaction.Kind.EARN and data.get("stay") is not None:
                if data.get("points") is not None:
                    raise DomainError(_("Points of a stay follow the earning rule; leave points out."), field="points")
                txn, created = services.points_earn_for_stay(stay=data["stay"], membership=membership, by=request.user)
            else:
                if "points" not in data:
                    raise DomainError(_("This field is required."), field="points")
                post = {
                    PointsTransaction.Kind.EARN: services.points_earn,
                    PointsTransaction.Kind.REDEEM: services.points_spend,
                    PointsTransaction.Kind.ADJUST: services.points_adjust,
                }[kind]
                txn = post(
                    membership=membership,
                    points=data["points"],
                    reason=data.get("reason", ""),
                    idempotency_key=key,
                    by=request.user,
                )
        return Response(
            PointsTransactionSerializer(txn, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MembershipRedemptionViewSet(mixins.ListModelMixin, _MembershipChild):
    """Rewards a member has redeemed; POST ``{"reward": code}`` with an ``Idempotency-Key``
    redeems one (refused if the balance is short, never overdrawn)."""

    serializer_class = RedemptionSerializer
    permission_classes = [require_perms("loyalty.view_redemption", write_perms=("loyalty.redeem_points",))]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Redemption.objects.none()
        return (
            Redemption.objects.filter(membership=self.get_membership())
            .select_related("reward", "transaction__actor", "redeemed_by")
            .order_by("-id")
        )

    @extend_schema(
        request=RedemptionRequestSerializer, responses={201: RedemptionSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        membership = self.get_membership()
        serializer = RedemptionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data["reward"].strip()
        reward = Reward.objects.select_related("min_tier").filter(code=code).first()
        if reward is None and code.isdigit() and len(code) < 19:  # an id fits a bigint
            reward = Reward.objects.select_related("min_tier").filter(pk=int(code)).first()
        key = _ledger_key(request, membership)
        with _header_conflicts():
            redemption = services.points_redeem(
                membership=membership, reward=reward, idempotency_key=key, by=request.user
            )
        return Response(
            RedemptionSerializer(redemption, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


class RewardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The reward catalogue (chain admins maintain it)."""

    serializer_class = RewardSerializer
    filterset_class = RewardFilterSet
    queryset = Reward.objects.select_related("min_tier").order_by("sort_order", "points_cost", "id")


class MembershipClaimViewSet(mixins.ListModelMixin, _MembershipChild):
    """A member's missing-points claims; POST files one (property code + confirmation
    number) with a reply-by date."""

    serializer_class = MissingPointsClaimSerializer
    permission_classes = [
        require_perms("loyalty.view_missingpointsclaim", write_perms=("loyalty.add_missingpointsclaim",))
    ]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MissingPointsClaim.objects.none()
        claims = MissingPointsClaim.objects.filter(membership=self.get_membership())
        return scope.scoped(claims, self.request.user).select_related("property", "membership")

    @idempotent
    def create(self, request, *args, **kwargs):
        membership = self.get_membership()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        claim = services.claim_file(
            membership=membership,
            property=data["property"],
            confirmation_number=data["confirmation_number"],
            note=data.get("note", ""),
            by=request.user,
        )
        return Response(self.get_serializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """All missing-points claims, earliest reply-by first; approve or reject the open ones."""

    serializer_class = MissingPointsClaimSerializer
    filterset_class = MissingPointsClaimFilterSet
    queryset = MissingPointsClaim.objects.none()

    def get_queryset(self):
        """The claims of the caller's properties (``crm_site.scope``)."""
        claims = MissingPointsClaim.objects.select_related("property", "membership")
        return scope.scoped(claims, self.request.user).order_by("reply_by", "id")

    @extend_schema(request=ClaimApproveSerializer, responses=MissingPointsClaimSerializer)
    @action(detail=True, methods=["post"], permission_classes=[require_perms("loyalty.decide_claim")])
    def approve(self, request, pk=None):
        claim = self.get_object()
        serializer = ClaimApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_approve(
            claim=claim,
            points=serializer.validated_data.get("points"),
            note=serializer.validated_data.get("note", ""),
            by=request.user,
        )
        return Response(self.get_serializer(claim).data)

    @extend_schema(request=ClaimRejectSerializer, responses=MissingPointsClaimSerializer)
    @action(detail=True, methods=["post"], permission_classes=[require_perms("loyalty.decide_claim")])
    def reject(self, request, pk=None):
        claim = self.get_object()
        serializer = ClaimRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_reject(claim=claim, reason=serializer.validated_data["decision_reason"], by=request.user)
        return Response(self.get_serializer(claim).data)
