"""The guest 360 in one call (``GET /api/v1/guests/{id}/profile/``)."""

from decimal import Decimal, getcontext
from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_site.api import writer
from crm_site.revenue import RevenueFieldsMixin, revenue_fields

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
    section (loyalty, complaints, segment, churn...).  It documents the answer (the
    OpenAPI schema); :func:`profile_representation` writes it."""

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
        return _badges(obj)

    def get_sections(self, obj) -> dict:
        return _sections(obj)


def _badges(profile) -> list[dict]:
    return [{"label": str(b.label), "kind": b.kind} for b in profile.badges]


def _sections(profile) -> dict:
    return {s["key"]: s["data"] for s in profile.sections}


def _decimal(places: int, digits: int):
    """A stored amount as DRF's DecimalField writes it (a string, ``places`` decimals)."""
    exponent = Decimal(1).scaleb(-places)

    def write(value):
        context = getcontext().copy()
        context.prec = digits
        value = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        return f"{value.quantize(exponent, context=context):f}"

    return write


def _iso(value):
    return value.isoformat()


@cache
def _stay_columns() -> tuple[tuple[str, object], ...]:
    """(name, writer or None) for each column of a 360 stay: dates in ISO, amounts as
    DRF's DecimalField writes them, the rest as read (ints, strings)."""
    columns = []
    for name in PROFILE_STAY_FIELDS:
        field = Stay._meta.get_field(name)
        if isinstance(field, models.DecimalField):
            columns.append((name, _decimal(field.decimal_places, field.max_digits)))
        elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            columns.append((name, _iso))
        elif isinstance(field, models.CharField | models.TextField | models.IntegerField):
            columns.append((name, None))
        else:  # a new column kind: say so here rather than write it differently from DRF
            raise TypeError(f"ProfileStaySerializer writes {name} ({type(field).__name__}): add it here")
    return tuple(columns)


def _stay_rows(stays, *, amounts: bool) -> list[dict]:
    hidden = () if amounts else revenue_fields(Stay)
    columns = [(name, write) for name, write in _stay_columns() if name not in hidden]
    rows = []
    for stay in stays:
        row = {"id": stay.pk, "property": stay.property.code}
        for name, write in columns:
            value = getattr(stay, name)
            row[name] = value if write is None or value is None else write(value)
        rows.append(row)
    return rows


def profile_representation(profile, *, context: dict) -> dict:
    """What ``ProfileSerializer(profile, context=context).data`` answers, written without
    building the serializer's fields for every request: the stays (20 rows of 19 columns)
    as plain dicts, the small nested parts by their own serializers (built once).  A test holds the two
    equal (tests/guests/test_profile_representation.py)."""
    amounts = ProfileStaySerializer(context=context)._shows_revenue()  # the mixin's rule, no fields built
    notes, preference = writer(GuestNoteSerializer), writer(GuestPreferenceSerializer)
    return {
        "guest": writer(GuestSerializer).to_representation(profile.guest),
        "preferences": [preference.to_representation(p) for p in profile.preferences],
        "alerts": [notes.to_representation(note) for note in profile.alerts],
        "notes": [notes.to_representation(note) for note in profile.notes],
        "stays": _stay_rows(profile.stays, amounts=amounts),
        "stays_total": int(profile.stays_total),
        "all_properties": bool(profile.all_properties),
        "spend": {str(key): value for key, value in profile.spend.items()},
        "badges": _badges(profile),
        "sections": _sections(profile),
    }
