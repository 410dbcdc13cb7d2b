"""What hangs under one account in the API: contacts, agreements, activities, team,
external ids, competitors and documents (``/api/v1/accounts/{id}/<part>/``).

Everyone with ``accounts.view_account`` reads; writes need ``accounts.change_account`` and
the account in the writer's scope (owner, team, or the director) — the services refuse
anything else with 403 naming ``account``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm_site.idempotency import idempotent
from crm_site.permissions import require_perms

from .. import services
from ..filtersets import ActivityFilterSet, AgreementFilterSet, ContactFilterSet
from ..models import (
    AccountContact,
    AccountDocument,
    AccountExternalId,
    AccountTeamMember,
    Activity,
    Agreement,
    Competitor,
)
from ..selectors import visible_accounts
from ..services.common import as_object
from .serializers import (
    ActivityCompleteSerializer,
    ActivitySerializer,
    AgreementSerializer,
    CancelSerializer,
    CompetitorSerializer,
    ContactSerializer,
    DocumentSerializer,
    ExternalIdSerializer,
    TeamMemberSerializer,
)

ACCOUNT_PERMS = require_perms("accounts.view_account", write_perms=("accounts.change_account",))


class AccountChildViewSet(viewsets.GenericViewSet):
    """Rows of one account (404 when the account is unknown or merged away)."""

    permission_classes = [ACCOUNT_PERMS]
    model = None
    related = ()

    def account(self):
        if not hasattr(self, "_account"):
            self._account = get_object_or_404(visible_accounts(self.request.user), pk=self.kwargs["account_pk"])
        return self._account

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(account=self.account()).select_related(*self.related).order_by("id")

    def created(self, obj):
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    AccountChildViewSet,
):
    """The contacts map.  A guest contact shows the guest's channels only where the guest
    consents; ``erase`` scrubs a contact-only person."""

    model = AccountContact
    related = ("guest",)
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet

    def get_queryset(self):
        return super().get_queryset().filter(is_erased=False)

    def create(self, request, account_pk=None):
        return self.created(services.contact_add(account_id=self.account().pk, data=request.data, by=request.user))

    def update(self, request, *args, **kwargs):
        contact = services.contact_update(contact_id=self.get_object().pk, data=request.data, by=request.user)
        return Response(self.get_serializer(contact).data)

    def destroy(self, request, *args, **kwargs):
        services.contact_remove(contact_id=self.get_object().pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ContactSerializer)
    @action(detail=True, methods=["post"])
    def erase(self, request, account_pk=None, pk=None):
        """Erase a contact-only person (a guest contact is erased with the guest)."""
        contact = services.contact_erase(contact_id=self.get_object().pk, by=request.user)
        return Response(self.get_serializer(contact).data)


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, AccountChildViewSet):
    """Negotiated rate codes of the account per property (validity, price, commitment,
    commission, status).  Overlapping dates for one code at one property, an end
    before the start or a negative commitment: 400 naming the field."""

    model = Agreement
    related = ("property",)
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet

    def create(self, request, account_pk=None):
        return self.created(services.agreement_create(account_id=self.account().pk, data=request.data, by=request.user))

    def update(self, request, *args, **kwargs):
        agreement = services.agreement_update(agreement_id=self.get_object().pk, data=request.data, by=request.user)
        return Response(self.get_serializer(agreement).data)


def _contact_guests(body) -> list[int]:
    """The guest an activity's stored answer is about (its contact, when a guest), so
    that erasing the guest deletes the stored answer too (``crm_site.idempotency``)."""
    contact = body.get("contact") if isinstance(body, dict) else None
    if not contact:
        return []
    return list(AccountContact.objects.filter(pk=contact, guest__isnull=False).values_list("guest_id", flat=True))


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, AccountChildViewSet):
    """Calls, visits, site inspections, proposals, entertainment, quarterly reviews."""

    model = Activity
    related = ("owner", "contact")
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet

    @idempotent(guests=_contact_guests)
    def create(self, request, account_pk=None):
        return self.created(services.activity_create(account_id=self.account().pk, data=request.data, by=request.user))

    def update(self, request, *args, **kwargs):
        activity = services.activity_update(activity_id=self.get_object().pk, data=request.data, by=request.user)
        return Response(self.get_serializer(activity).data)

    @extend_schema(request=ActivityCompleteSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, account_pk=None, pk=None):
        """Done, with the outcome; a next step (with its due date) becomes the follow-up."""
        data = as_object(request.data)
        extra = {k: data.get(k) for k in ("next_step", "next_due_on", "next_kind") if k in data}
        activity = services.activity_complete(
            activity_id=self.get_object().pk,
            outcome=data.get("outcome"),
            done_on=data.get("done_on"),
            by=request.user,
            **extra,
        )
        return Response(self.get_serializer(activity).data)

    @extend_schema(request=CancelSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, account_pk=None, pk=None):
        data = as_object(request.data)
        activity = services.activity_cancel(
            activity_id=self.get_object().pk, reason=data.get("reason"), by=request.user
        )
        return Response(self.get_serializer(activity).data)


class TeamViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, AccountChildViewSet):
    """The account team (internal alliance); the owner is the account's ``owner``."""

    model = AccountTeamMember
    related = ("user",)
    serializer_class = TeamMemberSerializer

    def create(self, request, account_pk=None):
        data = as_object(request.data)
        member = services.team_member_add(
            account_id=self.account().pk,
            user=data.get("user"),
            role=data.get("role"),
            property=data.get("property"),
            by=request.user,
        )
        return self.created(member)

    def destroy(self, request, *args, **kwargs):
        services.team_member_remove(member_id=self.get_object().pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExternalIdViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, AccountChildViewSet):
    """The account's ids in other systems (one account per id and system)."""

    model = AccountExternalId
    serializer_class = ExternalIdSerializer

    def create(self, request, account_pk=None):
        data = as_object(request.data)
        link = services.external_id_add(
            account_id=self.account().pk,
            system=data.get("system"),
            external_id=data.get("external_id"),
            by=request.user,
        )
        return self.created(link)

    def destroy(self, request, *args, **kwargs):
        services.external_id_remove(link_id=self.get_object().pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CompetitorViewSet(mixins.ListModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, AccountChildViewSet):
    model = Competitor
    serializer_class = CompetitorSerializer

    def create(self, request, account_pk=None):
        return self.created(services.competitor_save(account_id=self.account().pk, data=request.data, by=request.user))

    def update(self, request, *args, **kwargs):
        competitor = services.competitor_save(
            account_id=self.account().pk, competitor_id=self.get_object().pk, data=request.data, by=request.user
        )
        return Response(self.get_serializer(competitor).data)

    def destroy(self, request, *args, **kwargs):
        services.competitor_remove(account_id=self.account().pk, competitor_id=self.get_object().pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, AccountChildViewSet):
    """Documents of the plan and the agreements, as links (no file upload)."""

    model = AccountDocument
    serializer_class = DocumentSerializer

    def create(self, request, account_pk=None):
        return self.created(services.document_add(account_id=self.account().pk, data=request.data, by=request.user))

    def destroy(self, request, *args, **kwargs):
        services.document_remove(account_id=self.account().pk, document_id=self.get_object().pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
