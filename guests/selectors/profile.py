"""The guest 360 view (page and API)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum, Window
from django.utils.translation import gettext as _

from crm_site import parsing, scope
from crm_site.errors import ErrorBag
from crm_site.extensions import Badge, badges_for, guest_sections
from crm_site.prepared import Prepared
from crm_site.revenue import without_revenue

from .. import money
from ..models import Guest, GuestNote, GuestPreference, PreferenceType, Property, Stay


@dataclass
class GuestProfile:
    guest: Guest
    preferences: list[GuestPreference]
    alerts: list[GuestNote]
    notes: list[GuestNote]
    stays: list[Stay]
    spend: dict
    badges: list[Badge]
    sections: list[dict] = field(default_factory=list)
    stays_total: int = 0  # all the guest's stays; ``stays`` holds the latest of them
    all_properties: bool = True  # False: stays and spend cover the viewer's properties only


# Stays shown on the 360 view (page and API), latest first.  The view's cost must not grow
# with a guest's history (SPEC §4: p95 < 100 ms for a guest with 300 stays); the spend
# totals cover every stay and the rest is one filter away (GET /api/v1/stays/?guest=ID).
PROFILE_STAY_LIMIT = 20


# The stay columns the 360 view shows (page and API); the whole stay, booking facts and
# all, is one call away (GET /api/v1/stays/{id}/).
PROFILE_STAY_FIELDS = (
    "confirmation_number",
    "arrival_date",
    "departure_date",
    "nights",
    "room_type",
    "room_number",
    "rate_code",
    "channel",
    "status",
    "adults",
    "children",
    "special_requests",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "total_revenue",
    "currency",
)


def _guest(*, guest_id: int, active: bool):
    guests = Guest.objects.active() if active else Guest.objects.all()
    return guests.select_related("company").filter(pk=guest_id)  # merged_into: only its id is read


def _preferences(*, guest_id: int):
    return GuestPreference.objects.filter(guest_id=guest_id).select_related("preference_type", "source_property")


def _notes(*, guest_id: int):
    # The author is shown; the note's property only as its id (no join for it).
    return GuestNote.objects.filter(guest_id=guest_id, is_active=True).select_related("created_by")


def _latest_stays(*, guest_id: int, limit: int, user_id: int | None = None):
    """The latest ``limit`` stays at the viewer's properties (``user_id``: a viewer bound
    to their hotels) with the totals of all of them, in one statement: the totals are
    window aggregates over every stay, computed before the LIMIT.  Totals in the chain
    currency: the split (room / F&B / other) is per stay, in the currency each hotel
    billed, and cannot be summed across hotels."""
    stays = Stay.objects.filter(guest_id=guest_id)
    if user_id is not None:
        stays = stays.filter(scope.condition_of_user_id(Stay, user_id))
    return (
        stays.select_related("property")
        .only(
            "property__code",
            "property__name",
            "property__name_zh",
            "property__timezone",
            "guest_id",
            *PROFILE_STAY_FIELDS,
        )
        .annotate(**{f"_spend_{key}": window for key, window in _SPEND.items()})
        .order_by("-arrival_date", "-id")[:limit]
    )


_CHECKED_OUT = Q(status=Stay.Status.CHECKED_OUT)
_SPEND = {
    "stays": Window(Count("id", filter=_CHECKED_OUT)),
    "nights": Window(Sum("nights", filter=_CHECKED_OUT)),
    "total": Window(Sum("total_revenue", filter=_CHECKED_OUT)),
    "all_stays": Window(Count("id")),
}
# The 360's statements, compiled once per process (crm_site.prepared).
guest_for_profile = Prepared(_guest)
_preferences_of = Prepared(_preferences)
_notes_of = Prepared(_notes)
_latest_stays_of = Prepared(_latest_stays)


def guest_profile(
    *, viewer, guest_id: int | None = None, guest: Guest | None = None, stay_limit: int = PROFILE_STAY_LIMIT
) -> GuestProfile:
    """Everything the desk needs about one guest, in a fixed number of queries; ``guest``
    when the caller has read it already (the API view checked it exists)."""
    if guest is None:
        found = guest_for_profile({"active": False}, guest_id=guest_id)
        if not found:
            raise Guest.DoesNotExist(f"No guest {guest_id}")
        guest = found[0]
    preferences = _preferences_of(guest_id=guest.pk)
    notes = _notes_of(guest_id=guest.pk)
    # The profile is chain-wide; its stays are the viewer's (crm_site.scope), and the
    # amounts are for those who may see revenue (crm_site.revenue).
    stays, spend = _latest_stays_and_spend(guest.pk, viewer, stay_limit)
    stays_total = spend.pop("all_stays")
    spend["currency"] = money.chain_currency()
    spend = without_revenue(spend, viewer, keys=("total", "currency"))
    sections = []
    for section in guest_sections(viewer):
        if section.profile is None:
            continue
        sections.append({"key": section.key, "template": section.template, "data": section.profile(guest, viewer)})
    return GuestProfile(
        guest=guest,
        preferences=preferences,
        alerts=[n for n in notes if n.kind == GuestNote.Kind.ALERT],
        notes=[n for n in notes if n.kind == GuestNote.Kind.NOTE],
        stays=stays,
        spend=spend,
        badges=badges_for([guest.pk], viewer, profiles={s["key"]: s["data"] for s in sections})[guest.pk],
        sections=sections,
        stays_total=stays_total,
        all_properties=scope.home_properties(viewer) is None,
    )


def _latest_stays_and_spend(guest_id: int, viewer, stay_limit: int) -> tuple[list[Stay], dict]:
    """The latest ``stay_limit`` stays the viewer may see and the totals of all of them
    (one statement, :func:`_latest_stays`)."""
    user_id = scope.bound_user_id(viewer)
    bound = {} if user_id is None else {"user_id": user_id}
    stays = _latest_stays_of({"limit": max(stay_limit, 1)}, guest_id=guest_id, **bound)
    # No stay: what the aggregates of an empty set are (counts 0, sums none).
    spend = {"stays": 0, "nights": None, "total": None, "all_stays": 0}
    if stays:
        spend = {key: getattr(stays[0], f"_spend_{key}") for key in _SPEND}
    return stays[:stay_limit], spend


def preference_vocabulary() -> list[PreferenceType]:
    """The active preference types, in the vocabulary's order (the 360 page's picker)."""
    return _vocabulary()


def stay_filter_properties(viewer) -> list[Property]:
    """The properties the 360 page's stay filter offers: the viewer's (``crm_site.scope``)."""
    user_id = scope.bound_user_id(viewer)
    return _properties_of() if user_id is None else _properties_of(user_id=user_id)


_vocabulary = Prepared(lambda: PreferenceType.objects.filter(is_active=True))
_properties_of = Prepared(scope.properties_of_user_id)


def preference_of(*, guest_id: int, preference_type) -> GuestPreference | None:
    """The guest's preference of this type, if recorded (asked before replacing its note)."""
    return GuestPreference.objects.filter(guest_id=guest_id, preference_type=preference_type).first()


@dataclass
class StayHistory:
    """One page of a guest's stays at the viewer's properties, filtered."""

    stays: list[Stay]
    page: object  # django.core.paginator.Page
    total: int
    filters: dict

    @classmethod
    def first_page(cls, profile: GuestProfile) -> StayHistory:
        """The 360 page's first page, from what the profile read already (no query)."""
        paginator = Paginator(_Counted(profile.stays, profile.stays_total), PROFILE_STAY_LIMIT)
        return cls(stays=profile.stays, page=paginator.page(1), total=profile.stays_total, filters={})


class _Counted(list):
    """The first page of stays with the total already counted: Paginator asks count()."""

    def __init__(self, items, total: int):
        super().__init__(items)
        self.total = total

    def count(self) -> int:  # type: ignore[override]
        return self.total


def stay_history_filters(params, viewer) -> dict:
    """``property`` (a code the viewer may see), ``status``, ``year`` (1900-2100) and
    ``page`` from a query string; every invalid one reported at once (400)."""
    bag = ErrorBag()
    filters = {"property": "", "status": "", "year": None, "page": 1}
    code = (params.get("property") or "").strip().upper()
    if code:
        if not scope.properties(viewer).filter(code=code).exists():
            bag.add(_("Unknown property."), field="property")
        filters["property"] = code
    status = params.get("status") or ""
    if status:
        filters["status"] = bag.check(
            parsing.as_choice, status, field="status", choices=Stay.Status, message=_("Unknown status.")
        )
    if params.get("year"):
        filters["year"] = bag.check(parsing.as_int, params.get("year"), field="year", minimum=1900, maximum=2100)
    if params.get("page"):
        filters["page"] = bag.check(parsing.as_int, params.get("page"), field="page", minimum=1) or 1
    bag.raise_if_any()
    return filters


def guest_stay_history(*, guest_id: int, viewer, filters: dict, per_page: int = PROFILE_STAY_LIMIT) -> StayHistory:
    """The guest's whole stay history, a page at a time (two queries: count and page)."""
    stays = scope.scoped(Stay.objects.filter(guest_id=guest_id), viewer)
    if filters.get("property"):
        stays = stays.filter(property__code=filters["property"])
    if filters.get("status"):
        stays = stays.filter(status=filters["status"])
    if filters.get("year"):
        stays = stays.filter(arrival_date__year=filters["year"])
    paginator = Paginator(stays.select_related("property").order_by("-arrival_date", "-id"), per_page)
    page = paginator.get_page(filters.get("page") or 1)
    return StayHistory(stays=list(page.object_list), page=page, total=paginator.count, filters=filters)
