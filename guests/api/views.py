"""Thin API views: parse, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm_site import parsing, scope
from crm_site.api import writer
from crm_site.errors import DomainError, ErrorBag, NotFound
from crm_site.idempotency import idempotent
from crm_site.permissions import require_perms
from crm_site.revenue import revenue_fields, sees_revenue

from .. import audit, selectors, services
from ..filtersets import (
    AuditEventFilterSet,
    ConsentEntryFilterSet,
    GuestFilterSet,
    StayFilterSet,
)
from ..models import (
    AuditEvent,
    ConsentEntry,
    Guest,
    GuestMerge,
    GuestPreference,
    Stay,
)
from .bodies import request_object
from .daily_views import ArrivalsView, DailyListView, DeparturesView, InHouseView  # noqa: F401
from .permissions import AuditedExportPermission
from .profile_serializers import ProfileSerializer, profile_representation
from .reference_views import ExchangeRateViewSet, PropertyViewSet, RoomInventoryViewSet  # noqa: F401
from .serializers import (
    AuditEventSerializer,
    ConsentEntrySerializer,
    ConsentRecordSerializer,
    EraseRequestSerializer,
    GuestMergeSerializer,
    GuestPreferenceSerializer,
    GuestSerializer,
    MergeRequestSerializer,
    StayBulkResultSerializer,
    StayBulkSerializer,
    StaySerializer,
)

# Fields a client reads and may send back unchanged (GET, edit, PUT): not input.
_GUEST_OUTPUT_ONLY = {
    "id",
    "display_name",
    "created_at",
    "updated_at",
    "marketing_email_consent_at",
    "marketing_sms_consent_at",
}


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
    queryset = Guest.objects.active().select_related("company").order_by("id")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description=(
                    "Search text, any tokens in any order: a name in any script or spelling (characters, "
                    "pinyin, initials, Latin; typos tolerated), a phone tail of 4+ digits, a birth year, a "
                    "member number with or without its letter, an e-mail or its start, a city.  Best match "
                    "first; ``count`` is every match, ``results`` the best ``page_size`` of them (one page: "
                    "``page`` other than 1 is a 404), ``hint`` says how to narrow when there are more.  Empty, "
                    "over 100 characters or punctuation only: 400 naming ``q``."
                ),
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        if "q" not in request.query_params:
            return super().list(request, *args, **kwargs)
        lookup = selectors.guest_lookup(**self._lookup_arguments(request))
        results, total = lookup.guests, lookup.total
        if set(request.query_params) - {"q", "format", "page", "page_size"}:
            # Other filters narrow the matches (one more query, only when asked for).
            ids = [g.pk for g in results]
            filtered = self.filter_queryset(self.get_queryset().filter(pk__in=ids))
            keep = set(filtered.values_list("pk", flat=True))
            results = [g for g in results if g.pk in keep]
            total = len(results)
        # The list's serializer (GuestSerializer) writes the same for every caller.
        write = writer(self.get_serializer_class()).to_representation
        data = [write(guest) for guest in results]
        body = {"count": total, "next": None, "previous": None, "results": data}
        if total > len(data):
            body["hint"] = _("%(shown)s of %(total)s guests shown: add a phone tail, a birth year or a city.") % {
                "shown": len(data),
                "total": total,
            }
        return Response(body)

    def _lookup_arguments(self, request) -> dict:
        """``q``, ``page`` and ``page_size`` of a lookup, every invalid one named at once.
        A lookup answers one page, its best matches (``page_size`` of them): a later page
        is a 404 like any page past the last; a token more narrows the matches instead."""
        bag = ErrorBag()
        text = bag.check(selectors.lookup_text, request.query_params["q"])
        page = bag.check(self.paginator.get_page_number, request, None)
        limit = bag.check(self.paginator.get_page_size, request) if "page_size" in request.query_params else None
        bag.raise_if_any()
        if page != 1:
            raise NotFound(_("A lookup has one page, its best matches: add a token to narrow them."), field="page")
        return {"query": text, "limit": limit}

    def retrieve(self, request, *args, **kwargs):
        """One profile; the read is audited (who read which guest, when)."""
        guest = self.get_object()
        audit.record(guest=guest, action=AuditEvent.Action.VIEW, by=request.user, channel="api")
        return Response(self.get_serializer(guest).data)

    @idempotent(guests=lambda body: [body.get("id")] if isinstance(body, dict) else [])
    def create(self, request, *args, **kwargs):
        """A new profile.  When it looks like guests already on file (same e-mail, phone,
        document, or a very similar name with the same birth date) the answer is 409
        ``possible_duplicate`` listing them under ``candidates``; send ``confirm_new=true``
        to create it anyway."""
        data = request_object(request, drop=_GUEST_OUTPUT_ONLY | {"version"})
        guest = services.guest_create(data=data, by=request.user, channel="api")
        return Response(self.get_serializer(guest).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """PUT and PATCH change the fields given; ``version`` (the one you read) is required."""
        kwargs.pop("partial", None)
        guest = self.get_object()
        data = request_object(request, drop=_GUEST_OUTPUT_ONLY)
        version = data.pop("version", None)
        updated = services.guest_update(
            guest_id=guest.pk, expected_version=version, data=data, by=request.user, channel="api"
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(responses=ProfileSerializer)
    @action(detail=True, methods=["get"])
    def profile(self, request, pk=None):
        """The guest 360 view in one call (constant number of queries)."""
        # One profile, not a list: get_object() would build the list's GuestFilterSet for
        # nothing (~1 ms).  The viewset's queryset (active guests) as a prepared
        # statement, and the same object permissions as get_object().
        guest_id = audit.guest_ref_of(pk)
        found = selectors.guest_for_profile({"active": True}, guest_id=guest_id) if guest_id else []
        if not found:
            raise Http404
        guest = found[0]
        self.check_object_permissions(request, guest)
        profile = selectors.guest_profile(guest=guest, viewer=request.user)
        audit.record(guest=guest, action=AuditEvent.Action.VIEW, by=request.user, channel="api")
        return Response(profile_representation(profile, context=self.get_serializer_context()))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], permission_classes=[require_perms("guests.merge_guest")])
    def duplicates(self, request, pk=None):
        """Likely duplicates of this guest, with the reasons."""
        guest = self.get_object()
        return Response(selectors.duplicates_section(guest, request.user))

    @extend_schema(request=MergeRequestSerializer, responses=GuestMergeSerializer)
    @action(detail=True, methods=["post"], permission_classes=[require_perms("guests.merge_guest")])
    def merge(self, request, pk=None):
        """Merge the guest given as ``duplicate`` into this one (this one survives)."""
        data = request_object(request)
        record = services.guest_merge(
            survivor_id=int(pk),
            merged_id=parsing.as_id(data.get("duplicate"), field="duplicate"),
            by=request.user,
            note=parsing.as_text(data.get("note"), field="note", max_length=300),
        )
        return Response(GuestMergeSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], permission_classes=[AuditedExportPermission])
    def export(self, request, pk=None):
        """Everything held about the guest (privacy access request); audited, and so is a
        request without the permission (403)."""
        guest = self.get_object()
        return Response(services.guest_export(guest=guest, by=request.user, channel="api"))

    @extend_schema(request=EraseRequestSerializer, responses=GuestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[require_perms("guests.erase_guest")])
    def erase(self, request, pk=None):
        """Anonymise the guest and every profile merged into them (right to be forgotten);
        stays and revenue are kept.  ``reference`` (the request's ticket or letter number)
        is required and recorded.  An already erased guest: 409."""
        guest = self.get_object()
        data = request_object(request)
        erased = services.guest_erase(
            guest_id=guest.pk, reference=data.get("reference"), by=request.user, channel="api"
        )
        return Response(self.get_serializer(erased).data)


class GuestPreferenceViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """A guest's preferences; posting an existing preference re-confirms it."""

    serializer_class = GuestPreferenceSerializer
    queryset = GuestPreference.objects.all()
    pagination_class = None

    def get_guest(self) -> Guest:
        return get_object_or_404(Guest.objects.active(), pk=self.kwargs["guest_pk"])

    def get_queryset(self):
        return GuestPreference.objects.filter(guest=self.get_guest()).select_related(
            "preference_type", "source_property"
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
            operational_need=data.get("operational_need", ""),
            by=request.user,
            channel="api",
        )
        return Response(self.get_serializer(preference).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.preference_remove(guest=self.get_guest(), preference_id=kwargs["pk"], by=request.user, channel="api")
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
    queryset = Stay.objects.none()

    def get_queryset(self):
        """The stays of the caller's properties (``crm_site.scope``)."""
        return scope.scoped(Stay.objects.select_related("property"), self.request.user).order_by("-arrival_date", "-id")

    @extend_schema(responses={200: StaySerializer, 201: StaySerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Upsert one stay by property + confirmation number: 201 when created, 200 when
        it existed (changed or not).  A stay sent without a guest keeps its guest.  A
        property that is not the caller's is refused (400 naming ``property``)."""
        row = request_object(request)
        _refuse_amounts([row], request.user)
        stay, outcome = services.stay_upsert(row=row, by=request.user)
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(self.get_serializer(stay).data, status=code)

    def update(self, request, *args, **kwargs):
        """PATCH changes the fields given; PUT sets the fields given and the defaults for
        the others.  The key (property, confirmation number) cannot change; a missing or
        empty guest keeps the stay's guest.  A caller who may not see revenue sends no
        amounts, and a PUT keeps the stay's amounts."""
        partial = kwargs.pop("partial", False)
        stay = self.get_object()
        data = request_object(request)
        _refuse_amounts([data], request.user)
        if not partial and not sees_revenue(request.user):
            data = {**{f: getattr(stay, f) for f in _WRITABLE_AMOUNTS}, **data}
        stay, _outcome = services.stay_update(stay=stay, data=data, by=request.user, replace=not partial)
        return Response(self.get_serializer(stay).data)

    @extend_schema(request=StayBulkSerializer, responses=StayBulkResultSerializer)
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Upsert a batch of up to 1,000 stays, all or nothing: any invalid row rejects the
        batch (400, errors per row in ``rows``).  On success each row is reported as
        created, updated or unchanged (a resend changes nothing and signals nothing)."""
        payload = request.data
        rows = payload if isinstance(payload, list) else payload.get("stays") if isinstance(payload, Mapping) else None
        if not isinstance(rows, list):
            raise DomainError(_("Send a list of stays."), field="stays", code="invalid")
        if not rows:
            raise DomainError(_("Send at least one stay."), field="stays", code="required")
        if len(rows) > services.MAX_BATCH:
            raise DomainError(_("At most 1,000 stays per batch."), field="stays", code="too_many")
        _refuse_amounts(rows, request.user, batch=True)
        report = services.stays_upsert(rows=rows, by=request.user)
        return Response(report.as_dict(), status=status.HTTP_200_OK)


_WRITABLE_AMOUNTS = [f for f in revenue_fields(Stay) if f in services.ROW_FIELDS]


def _refuse_amounts(rows: list, user, *, batch: bool = False) -> None:
    """Amounts are written only by those who may read them: a stay row carrying one from
    anyone else is refused (400 naming each amount), never silently dropped."""
    if sees_revenue(user):
        return
    message = _("You may not set amounts: they need the revenue permission.")
    errors = [
        services.StayRowError(number, name, message)
        for number, row in enumerate(rows)
        if isinstance(row, Mapping)
        for name in revenue_fields(Stay)
        if name in row
    ]
    if errors and batch:
        raise services.StayBatchError(errors)
    if errors:
        raise DomainError.many({e.field: [e.message] for e in errors}, code="revenue_not_allowed")


class GuestMergeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Merge records: why two profiles were merged, what moved; ``undo`` restores both."""

    serializer_class = GuestMergeSerializer
    queryset = GuestMerge.objects.order_by("-merged_at", "-id")
    filterset_fields = ["survivor", "merged"]
    permission_classes = [require_perms("guests.merge_guest")]

    @extend_schema(request=None, responses=GuestMergeSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        record = services.guest_merge_undo(merge_id=pk, by=request.user)
        return Response(GuestMergeSerializer(record).data)


class GuestConsentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """A guest's consent ledger, latest first.  POST appends an entry (consent to a
    purpose given or withdrawn, where, on which wording); entries are never changed."""

    serializer_class = ConsentEntrySerializer
    filterset_class = ConsentEntryFilterSet
    queryset = ConsentEntry.objects.all()
    pagination_class = None

    def get_guest(self) -> Guest:
        return get_object_or_404(Guest.objects.active(), pk=self.kwargs["guest_pk"])

    def get_queryset(self):
        return ConsentEntry.objects.filter(guest=self.get_guest()).select_related("recorded_by").order_by("-at", "-id")

    @extend_schema(request=ConsentRecordSerializer, responses={201: ConsentEntrySerializer})
    def create(self, request, *args, **kwargs):
        guest = self.get_guest()
        entry = services.consent_record(guest_id=guest.pk, data=request_object(request), by=request.user, channel="api")
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log (chain administrators): who viewed, changed, exported, merged or
    erased what, with old and new values; filter by guest, actor, action, what and date."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    def get_queryset(self):
        return selectors.audit_event_list()
