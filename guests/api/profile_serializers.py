"""The guest 360 in one call (``GET /api/v1/guests/{id}/profile/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_site.revenue import RevenueFieldsMixin

from ..models import Stay
from ..selectors.profile import PROFILE_STAY_FIELDS
from .serializers import GuestNoteSerializer, GuestPreferenceSerializer, GuestSerializer


class ProfileStaySerializer(RevenueFieldsMixin, serializers.ModelSerializer):
    """A stay as the 360 view lists it: dates, room, status and amounts.  The booking
    facts (lead time, ADR, deposit, agent …) are on the stay itself:
    ``GET /api/v1/stays/{id}/``."""

    property = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Stay
        fields = ["id", "property", *PROFILE_STAY_FIELDS]
        read_only_fields = fields


class ProfileSerializer(serializers.Serializer):
    """The guest 360 view: identity, preferences, alerts, stays, spend and every app's
    section (loyalty, complaints, segment, churn...)."""

    guest = GuestSerializer()
    preferences = GuestPreferenceSerializer(many=True)
    alerts = GuestNoteSerializer(many=True)
    notes = GuestNoteSerializer(many=True)
    stays = ProfileStaySerializer(many=True, help_text=_("The latest stays, newest first (see stays_total)."))
    stays_total = serializers.IntegerField(
        help_text=_("All the guest's stays; page through them with GET /api/v1/stays/?guest=ID.")
    )
    all_properties = serializers.BooleanField(
        help_text=_("False when the stays and the spend cover only the caller's properties.")
    )
    spend = serializers.DictField(
        help_text=_("Checked-out stays and nights; the net revenue (total, currency) only for users who may see it.")
    )
    badges = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    def get_badges(self, obj) -> list[dict]:
        return [{"label": str(b.label), "kind": b.kind} for b in obj.badges]

    def get_sections(self, obj) -> dict:
        return {s["key"]: s["data"] for s in obj.sections}
