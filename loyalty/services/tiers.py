"""Tier rules: the ladder admins maintain (names, thresholds, multipliers, benefits).

The ladder holds together: above the base tier every tier needs a threshold, and on
each route (nights, spend) a higher tier needs more than every lower one.  The page, the
API and the Django admin all change tiers through :func:`tier_update` /
:func:`tier_create`, so none of them can save a Silver that asks more than Gold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError, ErrorBag
from crm_site.parsing import as_int, as_money, as_text
from guests import audit

from .. import conf
from ..defaults import seed_default_tiers
from ..models import Tier
from ..rules import money_text

EDITABLE = ("name", "name_zh", "qualifying_nights", "qualifying_spend", "earn_multiplier", "benefits")
MAX_NIGHTS = 366  # a calendar year has no more nights to qualify with
MAX_MULTIPLIER = Decimal("10")
MAX_RANK = 1000
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def base_tier() -> Tier:
    """The lowest tier, which every member holds.  Recreates the launch tiers if the
    table is empty (e.g. a test database flushed after migration)."""
    tier = Tier.objects.order_by("rank").first()
    if tier is None:
        seed_default_tiers(Tier)
        tier = Tier.objects.order_by("rank").first()
    return tier


def _as_multiplier(value) -> Decimal:
    multiplier = as_money(value, field="earn_multiplier", required=True)
    if not Decimal("0") < multiplier <= MAX_MULTIPLIER:
        raise DomainError(
            _("The earn multiplier must be above 0 and at most 10."), field="earn_multiplier", code="out_of_range"
        )
    return multiplier


_COERCE = {
    "name": lambda v: as_text(v, field="name", max_length=50, required=True, message=_("A tier needs a name.")),
    "name_zh": lambda v: as_text(v, field="name_zh", max_length=50) or "",
    "qualifying_nights": lambda v: as_int(v, field="qualifying_nights", minimum=0, maximum=MAX_NIGHTS),
    "qualifying_spend": lambda v: as_money(v, field="qualifying_spend"),
    "earn_multiplier": _as_multiplier,
    "benefits": lambda v: as_text(v, field="benefits", max_length=2000),
}


def _threshold_text(tier: Tier, route: str) -> str:
    if route == "qualifying_nights":
        return _("%(n)d nights") % {"n": tier.qualifying_nights}
    return f"{money_text(tier.qualifying_spend)} {conf.terms().currency}"


def _ladder_errors(tier: Tier, others: list[Tier]) -> dict[str, str]:
    """On each route a higher tier needs more than every lower tier (0 = route off)."""
    errors = {}
    for route in ("qualifying_nights", "qualifying_spend"):
        value = getattr(tier, route)
        if not value:
            continue
        lower = [t for t in others if t.rank < tier.rank and getattr(t, route) and getattr(t, route) >= value]
        higher = [t for t in others if t.rank > tier.rank and getattr(t, route) and getattr(t, route) <= value]
        if lower:
            below = max(lower, key=lambda t: t.rank)
            errors[route] = _("%(tier)s, a lower tier, already needs %(threshold)s: a higher tier must need more.") % {
                "tier": below.display_name,
                "threshold": _threshold_text(below, route),
            }
        elif higher:
            above = min(higher, key=lambda t: t.rank)
            errors[route] = _("%(tier)s, a higher tier, needs only %(threshold)s: a lower tier must need less.") % {
                "tier": above.display_name,
                "threshold": _threshold_text(above, route),
            }
    return errors


def _check(tier: Tier, data: Mapping, *, others: list[Tier]) -> None:
    """Coerce ``data`` onto ``tier`` (in memory) and check the whole ladder; every
    invalid field is reported at once."""
    bag = ErrorBag()
    unknown = sorted(set(data) - set(EDITABLE))
    for field in unknown:
        bag.add(DomainError(_("This cannot be changed here."), field=field))
    for field in EDITABLE:
        if field in data:
            value = bag.check(_COERCE[field], data[field])
            if value is not None:
                setattr(tier, field, value)
    bag.raise_if_any()
    is_base = not any(t.rank < tier.rank for t in others)
    if not is_base and not tier.qualifying_nights and not Decimal(str(tier.qualifying_spend)):
        bag.add(
            DomainError(_("A tier above the base tier needs a nights or a spend threshold."), field="qualifying_nights")
        )
    for field, message in _ladder_errors(tier, others).items():
        bag.add(DomainError(message, field=field))
    bag.raise_if_any()


def tier_validate(*, tier: Tier | None, data: Mapping) -> None:
    """Would these values make a coherent ladder?  (Forms call it to show every error
    before saving; the write services call it again under the lock.)"""
    probe = Tier(**{f: getattr(tier, f) for f in ("pk", "code", "rank", *EDITABLE)}) if tier else Tier()
    if tier is None and "rank" in data:
        probe.rank = data["rank"]
    others = list(Tier.objects.exclude(pk=probe.pk).order_by("rank")) if probe.pk else list(Tier.objects.all())
    _check(probe, {k: v for k, v in data.items() if k in EDITABLE}, others=others)


def _rules(tier: Tier) -> dict:
    return {field: getattr(tier, field) for field in EDITABLE}


def _audit(tier: Tier, action: str, before: dict, *, by, channel: str) -> None:
    audit.record(
        action=action,
        by=by,
        channel=channel,
        target="tier",
        object_ref=tier.pk,
        code=tier.code,
        changes=audit.changes(before, _rules(tier), EDITABLE),
    )


def tier_update(*, tier: Tier, data: Mapping, by=None, channel: str = "web") -> Tier:
    """Change a tier's name, thresholds, multiplier or benefits.  Members move to the new
    rules at the next requalification (up at once, down only at the year boundary).
    Audited with the old and new values."""
    with transaction.atomic():
        ladder = list(Tier.objects.select_for_update().order_by("rank"))  # one editor of the ladder at a time
        locked = next((t for t in ladder if t.pk == tier.pk), None)
        if locked is None:
            raise DomainError(_("Unknown tier."), field="tier", code="not_found")
        before = _rules(locked)
        _check(locked, data, others=[t for t in ladder if t.pk != locked.pk])
        locked.save()
        _audit(locked, "change", before, by=by, channel=channel)
    for field in EDITABLE:
        setattr(tier, field, getattr(locked, field))
    return locked


def tier_create(*, data: Mapping, by=None, channel: str = "web") -> Tier:
    """Add a tier to the ladder (code and rank are fixed once created); audited."""
    bag = ErrorBag()
    code = bag.check(as_text, data.get("code"), field="code", max_length=30, required=True)
    if code and not SLUG.fullmatch(code):
        bag.add(DomainError(_("Use letters, numbers, hyphens or underscores."), field="code"))
    rank = bag.check(as_int, data.get("rank"), field="rank", minimum=0, maximum=MAX_RANK)
    bag.raise_if_any()
    tier = Tier(code=code, rank=rank, earn_multiplier=Decimal("1"))
    with transaction.atomic():
        ladder = list(Tier.objects.select_for_update().order_by("rank"))
        if any(t.code == code for t in ladder):
            bag.add(DomainError(_("A tier with this code exists."), field="code"))
        if any(t.rank == rank for t in ladder):
            bag.add(DomainError(_("A tier with this rank exists."), field="rank"))
        bag.raise_if_any()
        _check(tier, {k: v for k, v in data.items() if k in EDITABLE}, others=ladder)
        try:
            with transaction.atomic():
                tier.save()
        except IntegrityError:
            raise ConflictError(_("A tier with this code or rank exists."), field="code") from None
        _audit(tier, "create", {}, by=by, channel=channel)
    return tier
