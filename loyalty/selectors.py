"""Reads shaped for screens and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.extensions import Badge
from crm_site.labels import in_language
from crm_site.prepared import Prepared
from crm_site.revenue import mask_amounts, sees_revenue, without_revenue
from guests import search_keys

from . import conf, numbers
from .models import Membership, MissingPointsClaim, PointsTransaction, Reward, StayCredit, Tier
from .rules import money_text, year_end

LEDGER_PAGE_SIZE = 50
RECENT_TRANSACTIONS = 5


# --- Contracts other apps call --------------------------------------------------------------


def guest_ids_by_member_number(query: str) -> list[int]:
    """Guest search hook: the guest holding a member number (``M`` + 9 digits, Luhn
    checked; spaces, dashes and case are ignored).  Anything else returns [] without a
    query."""
    if not numbers.is_member_number(query):
        return []
    return list(Membership.objects.filter(member_number=numbers.normalise(query)).values_list("guest_id", flat=True))


def memberships_for(guest_ids: Iterable[int]) -> dict[int, dict]:
    """``{guest_id: {member_number, tier_code, tier_name, points_balance}}`` for the
    members among ``guest_ids``, in one query."""
    ids = list(guest_ids)
    if not ids:
        return {}
    rows = _memberships_of(guest_ids=ids)
    return {
        guest_id: {
            "member_number": number,
            "tier_code": tier_code,
            # As Tier.display_name: the Chinese label under the Chinese interface.
            "tier_name": in_language(gettext(tier_name), tier_name_zh),
            "points_balance": balance,
        }
        for guest_id, number, tier_code, tier_name, tier_name_zh, balance in rows
    }


def _memberships(*, guest_ids: list[int]):
    return Membership.objects.filter(guest_id__in_ids=guest_ids).values_list(
        "guest_id", "member_number", "tier__code", "tier__name", "tier__name_zh", "points_balance"
    )


_memberships_of = Prepared(_memberships)  # compiled once (crm_site.prepared)


def tier_badges(guest_ids: list[int]) -> dict[int, list[Badge]]:
    """Tier badge for search results and arrivals (one query for the whole list)."""
    return {gid: [Badge(m["tier_name"], "tier")] for gid, m in memberships_for(guest_ids).items()}


def tier_badges_from_section(data: dict) -> list[Badge]:
    """The same badge from the 360 view's loyalty block (no query)."""
    return [Badge(data["tier"]["name"], "tier")] if data.get("is_member") else []


# --- Why a member holds a tier --------------------------------------------------------------

_money = money_text


def qualifying_activity(
    membership_ids: Iterable[int], *, as_of: dt.date, since: dt.date | None = None
) -> dict[int, dict[int, tuple[int, Decimal]]]:
    """Nights and spend per calendar year of each membership, from ``since`` (default:
    1 January last year) to ``as_of``, in one query."""
    since = since or dt.date(as_of.year - 1, 1, 1)
    rows = (
        StayCredit.objects.filter(
            membership_id__in=list(membership_ids), departure_date__gte=since, departure_date__lte=as_of
        )
        .annotate(year=ExtractYear("departure_date"))
        .values("membership_id", "year")
        .annotate(nights=Sum("nights"), spend=Sum("qualifying_spend"))
        .order_by()
    )
    result: dict[int, dict[int, tuple[int, Decimal]]] = {}
    for row in rows:
        result.setdefault(row["membership_id"], {})[row["year"]] = (row["nights"] or 0, row["spend"] or Decimal("0"))
    return result


def tier_progress(
    *, membership: Membership, tiers: list[Tier], activity: dict[int, tuple[int, Decimal]], as_of: dt.date
) -> dict:
    """This year's qualifying activity, what the next tier needs, and what keeps the
    current one: the explanation shown next to the tier."""
    currency = conf.terms().currency
    year = as_of.year
    nights, spend = activity.get(year, (0, Decimal("0")))
    current = membership.tier
    higher = [t for t in tiers if t.rank > current.rank]
    lines = [membership.tier_reason] if membership.tier_reason else []
    lines.append(
        _("Qualifying activity in %(year)d so far: %(nights)d nights, %(spend)s %(currency)s.")
        % {"year": year, "nights": nights, "spend": _money(spend), "currency": currency}
    )
    next_tier = None
    if higher:
        target = higher[0]
        routes = []
        if target.qualifying_nights:
            routes.append(_("%(n)d more nights") % {"n": max(0, target.qualifying_nights - nights)})
        if target.qualifying_spend:
            routes.append(
                _("%(amount)s %(currency)s more spend")
                % {"amount": _money(max(Decimal("0"), target.qualifying_spend - spend)), "currency": currency}
            )
        lines.append(
            _("Next tier, %(tier)s: %(routes)s.") % {"tier": target.display_name, "routes": _(" or ").join(routes)}
        )
        next_tier = {
            "code": target.code,
            "name": target.display_name,
            "nights_to_go": max(0, target.qualifying_nights - nights) if target.qualifying_nights else None,
            "spend_to_go": str(max(Decimal("0"), target.qualifying_spend - spend)) if target.qualifying_spend else None,
        }
    if membership.tier_valid_until and membership.tier_valid_until < year_end(year + 1):
        lines.append(
            _("To keep %(tier)s after %(until)s: %(nights)d nights or %(spend)s %(currency)s in %(year)d.")
            % {
                "tier": current.display_name,
                "until": membership.tier_valid_until.isoformat(),
                "nights": current.qualifying_nights,
                "spend": _money(current.qualifying_spend),
                "currency": currency,
                "year": year,
            }
        )
    return {
        "year": year,
        "nights": nights,
        "spend": str(spend),
        "currency": currency,
        "next_tier": next_tier,
        "explanation": lines,
    }


def progress_for(progress: dict, viewer) -> dict:
    """The tier progress as ``viewer`` may see it: a member's qualifying spend is revenue
    (``crm_site.revenue``), so without the permission the amounts are absent and the
    sentences quoting them masked."""
    if sees_revenue(viewer):
        return progress
    shown = without_revenue(progress, viewer, keys=("spend", "currency"))
    if shown["next_tier"]:
        shown["next_tier"] = without_revenue(shown["next_tier"], viewer, keys=("spend_to_go",))
    shown["explanation"] = [mask_amounts(line, viewer) for line in progress["explanation"]]
    return shown


# --- Guest 360 section ----------------------------------------------------------------------


def _transaction_row(txn: PointsTransaction, viewer) -> dict:
    return {
        "id": txn.pk,
        "kind": txn.kind,
        "kind_label": str(txn.get_kind_display()),
        "points": txn.points,
        "balance_after": txn.balance_after,
        "reason": mask_amounts(txn.reason, viewer),
        "effective_on": txn.effective_on.isoformat(),
    }


def _membership(*, guest_id: int):
    return Membership.objects.select_related("tier").filter(guest_id=guest_id).order_by("pk")[:1]


_membership_of = Prepared(_membership)  # the 360's first statement, compiled once (crm_site.prepared)


def membership_section(guest, viewer) -> dict:
    """The loyalty block of the guest 360 page and profile API.

    Non-member: 1 query.  Member: 6 queries, whatever the length of the ledger.
    """
    found = _membership_of(guest_id=guest.pk)
    if not found:
        return {"is_member": False}
    membership = found[0]
    as_of = timezone.localdate()
    tiers = list(Tier.objects.order_by("rank"))
    activity = qualifying_activity([membership.pk], as_of=as_of).get(membership.pk, {})
    recent = list(membership.transactions.order_by("-id")[:RECENT_TRANSACTIONS])
    rank = {t.pk: t.rank for t in tiers}
    rewards = [
        {
            "id": reward.pk,
            "code": reward.code,
            "name": reward.label,
            "points_cost": reward.points_cost,
            "min_tier": reward.min_tier.display_name if reward.min_tier_id else None,
            "available": reward.points_cost <= membership.points_balance
            and (not reward.min_tier_id or rank.get(reward.min_tier_id, 0) <= membership.tier.rank),
        }
        for reward in Reward.objects.filter(is_active=True).select_related("min_tier")
    ]
    open_claims = (
        scope.scoped(MissingPointsClaim, viewer)
        .filter(membership=membership, status=MissingPointsClaim.Status.OPEN)
        .count()
    )
    tier = membership.tier
    return {
        "is_member": True,
        "membership_id": membership.pk,
        "member_number": membership.member_number,
        "enrolled_on": membership.enrolled_on.isoformat(),
        "tier": {"code": tier.code, "name": tier.display_name, "rank": tier.rank, "benefits": tier.benefit_lines},
        "tier_since": membership.tier_since.isoformat(),
        "tier_valid_until": membership.tier_valid_until.isoformat() if membership.tier_valid_until else None,
        "points_balance": membership.points_balance,
        "progress": progress_for(
            tier_progress(membership=membership, tiers=tiers, activity=activity, as_of=as_of), viewer
        ),
        "recent_transactions": [_transaction_row(t, viewer) for t in recent],
        "rewards": rewards,
        "open_claims": open_claims,
    }


# --- Pages ----------------------------------------------------------------------------------


def members(*, tier: str | None = None, query: str = "") -> QuerySet[Membership]:
    """The members list: by tier, by member number or by name prefix (any spelling)."""
    qs = Membership.objects.select_related("guest", "tier").order_by("-tier__rank", "member_number")
    if tier:
        qs = qs.filter(tier__code=tier)
    query = (query or "").strip()[:100]
    if query:
        if numbers.is_member_number(query):
            qs = qs.filter(member_number=numbers.normalise(query))
        else:
            compact = search_keys.query_forms(query)["compact"]
            qs = qs.filter(guest__name_key__startswith=compact) if compact else qs.none()
    return qs


def membership_detail(*, membership_id: int) -> Membership:
    return Membership.objects.select_related("guest", "tier").get(pk=membership_id)


def membership_ledger(*, membership: Membership, page: int | str = 1) -> Page:
    """The ledger newest first; each row carries the running balance after it."""
    transactions = (
        PointsTransaction.objects.filter(membership=membership)
        .select_related("actor", "stay__property", "redemption__reward")
        .order_by("-id")
    )
    return Paginator(transactions, LEDGER_PAGE_SIZE).get_page(page)


def membership_explanation(*, membership: Membership, viewer, as_of: dt.date | None = None) -> dict:
    """Why the member holds their tier and what the next one needs (3 queries), as
    ``viewer`` may see it."""
    as_of = as_of or timezone.localdate()
    tiers = list(Tier.objects.order_by("rank"))
    activity = qualifying_activity([membership.pk], as_of=as_of).get(membership.pk, {})
    return progress_for(tier_progress(membership=membership, tiers=tiers, activity=activity, as_of=as_of), viewer)


def membership_overview(*, membership: Membership, viewer, as_of: dt.date | None = None) -> dict:
    """Everything the ledger page shows beside the ledger itself; the claims are those
    of the viewer's properties (``crm_site.scope``)."""
    claims = scope.scoped(membership.claims.all(), viewer)
    return {
        "progress": membership_explanation(membership=membership, viewer=viewer, as_of=as_of),
        "tier_changes": list(membership.tier_changes.current().select_related("from_tier", "to_tier")[:20]),
        "claims": list(claims.select_related("property", "decided_by", "transaction")[:20]),
        "rewards": list(Reward.objects.filter(is_active=True).select_related("min_tier")),
    }


def open_claims(*, viewer, include_decided: bool = False) -> QuerySet[MissingPointsClaim]:
    """The claims queue of the viewer's properties, earliest reply-by first."""
    qs = scope.scoped(MissingPointsClaim, viewer).select_related(
        "membership__guest", "membership__tier", "property", "filed_by", "decided_by"
    )
    if not include_decided:
        qs = qs.filter(status=MissingPointsClaim.Status.OPEN)
    return qs.order_by("status", "reply_by", "id")


def tier_rules() -> list[Tier]:
    """Tiers with their member counts (one query)."""
    return list(Tier.objects.annotate(members=Count("memberships")).order_by("rank"))


def rewards_catalogue(*, include_inactive: bool = False) -> list[Reward]:
    qs = Reward.objects.select_related("min_tier")
    if not include_inactive:
        qs = qs.filter(Q(is_active=True))
    return list(qs)
