"""The programme's rules as pure functions: what a stay earns, which tier a year of
activity reaches, and how a member's tier moves through time.

Nothing here reads or writes the database, so the services (which post), the selectors
(which explain) and the tests (which replay) share one statement of each rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from guests.models import Stay

from . import conf
from .models import StayCredit, Tier, TierChange

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")  # StayCredit.exchange_rate keeps six decimals


def money_text(amount) -> str:
    return number_format(Decimal(amount), decimal_pos=2, force_grouping=True)


# --- What a stay earns ----------------------------------------------------------------------


@dataclass(frozen=True)
class StayValue:
    nights: int
    eligible_revenue: Decimal
    qualifying_spend: Decimal
    points: int


NOTHING = StayValue(0, Decimal("0"), Decimal("0"), 0)


def eligible_revenue(stay: Stay) -> Decimal:
    """Room and F&B revenue earn; other revenue (parking, taxes, third parties) does not."""
    return max(Decimal("0"), (stay.room_revenue or 0) + (stay.fnb_revenue or 0))


def _value(nights: int, revenue: Decimal, rate: Decimal, multiplier: Decimal) -> StayValue:
    """points = eligible revenue in chain currency × base points per unit × tier
    multiplier, rounded down once at the end."""
    in_chain_currency = Decimal(revenue) * Decimal(rate)
    points = in_chain_currency * conf.terms().base_points_per_unit * Decimal(multiplier)
    return StayValue(
        nights=nights,
        eligible_revenue=Decimal(revenue),
        qualifying_spend=in_chain_currency.quantize(CENT, rounding=ROUND_DOWN),
        points=int(points.to_integral_value(rounding=ROUND_DOWN)),
    )


def stay_value(stay: Stay, *, rate: Decimal, multiplier: Decimal) -> StayValue:
    """Points and qualifying activity of a stay: only a checked-out stay counts."""
    if stay.status != Stay.Status.CHECKED_OUT:
        return NOTHING
    return _value(stay.nights, eligible_revenue(stay), rate, multiplier)


def credit_value(credit: StayCredit, *, multiplier: Decimal) -> StayValue:
    """What a credited stay earns at another multiplier (same revenue, same rate)."""
    if not credit.nights and not credit.eligible_revenue:
        return NOTHING
    return _value(credit.nights, credit.eligible_revenue, credit.exchange_rate, multiplier)


# --- Which tier a year reaches --------------------------------------------------------------


@dataclass(frozen=True)
class TierDecision:
    kind: str
    tier: Tier
    valid_until: dt.date | None
    year: int | None
    nights: int
    spend: Decimal
    reason: str


@dataclass(frozen=True)
class _Candidate:
    tier: Tier
    until: dt.date
    year: int
    nights: int
    spend: Decimal


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def earned_tier(tiers: list[Tier], *, nights: int, spend) -> Tier:
    """The highest tier a year's activity reaches (the base tier at least)."""
    best = tiers[0]
    for tier in tiers[1:]:
        if tier.qualifies(nights=nights, spend=spend) and tier.rank > best.rank:
            best = tier
    return best


def _best_candidate(tiers: list[Tier], activity: Mapping, year: int) -> _Candidate | None:
    """The highest tier this or last year's activity reaches, with how long it holds:
    this year's to the end of next year, last year's to the end of this year."""
    candidates = []
    for qualifying_year, until in ((year, year_end(year + 1)), (year - 1, year_end(year))):
        nights, spend = activity.get(qualifying_year, (0, Decimal("0")))
        nights, spend = nights or 0, spend or Decimal("0")
        tier = earned_tier(tiers, nights=nights, spend=spend)
        if tier.rank > tiers[0].rank:
            candidates.append(_Candidate(tier, until, qualifying_year, nights, spend))
    return max(candidates, key=lambda c: (c.tier.rank, c.until)) if candidates else None


def _explain(template: str, candidate: _Candidate, as_of: dt.date, **extra) -> str:
    currency = conf.terms().currency
    tier = candidate.tier
    return template % {
        "tier": tier.display_name,
        "date": as_of.isoformat(),
        "until": candidate.until.isoformat() if candidate.until else "—",
        "year": candidate.year,
        "nights": candidate.nights,
        "spend": money_text(candidate.spend),
        "currency": currency,
        "threshold_nights": tier.qualifying_nights,
        "threshold_spend": money_text(tier.qualifying_spend),
        **extra,
    }


def _decision(kind: str, candidate: _Candidate, reason: str) -> TierDecision:
    return TierDecision(
        kind, candidate.tier, candidate.until, candidate.year, candidate.nights, candidate.spend, reason
    )


def _downgrade(tiers, current, valid_until, best, activity, as_of) -> TierDecision:
    """Grace rule: at most one tier down per year boundary, never below what last year
    earned."""
    year = as_of.year
    one_down = [t for t in tiers if t.rank < current.rank][-1]
    if best is not None and best.tier.rank >= one_down.rank:
        tier, until = best.tier, best.until
    else:
        tier, until = one_down, (None if one_down.rank == tiers[0].rank else year_end(year))
    nights, spend = activity.get(year - 1, (0, Decimal("0")))
    landing = _Candidate(tier, until, year - 1, nights or 0, spend or Decimal("0"))
    reason = _explain(
        _(
            "%(old)s expired on %(expired)s without requalifying (%(year)d: %(nights)d nights, %(spend)s "
            "%(currency)s). Grace rule: down one tier at most, to %(tier)s, valid until %(until)s."
        ),
        landing,
        as_of,
        old=current.display_name,
        expired=valid_until.isoformat(),
    )
    return _decision(TierChange.Kind.DOWNGRADE, landing, reason)


def decide_tier(
    *,
    tiers: list[Tier],
    current: Tier,
    valid_until: dt.date | None,
    activity: Mapping[int, tuple[int, Decimal]],
    as_of: dt.date,
) -> TierDecision | None:
    """The tier rule, as a pure function of the member's activity.

    * Qualifying in a calendar year (nights OR spend) gives the tier until the end of
      the next year; last year's activity counts until the end of this year.
    * Up at once: as soon as this or last year's activity reaches a higher tier.
    * Renewal: reaching the current tier again extends its validity.
    * Down only when the validity has run out, i.e. at the year boundary, with a grace
      rule: at most one tier down per year, never below what last year earned.
    Returns None when nothing changes, so rerunning the same night changes nothing.
    """
    tiers = sorted(tiers, key=lambda t: t.rank)
    best = _best_candidate(tiers, activity, as_of.year)
    if best is not None and best.tier.rank > current.rank:
        reason = _explain(
            _(
                "Upgraded to %(tier)s on %(date)s: %(nights)d nights and %(spend)s %(currency)s in %(year)d reach "
                "the %(tier)s threshold (%(threshold_nights)d nights or %(threshold_spend)s %(currency)s). "
                "Valid until %(until)s."
            ),
            best,
            as_of,
        )
        return _decision(TierChange.Kind.UPGRADE, best, reason)
    if best is not None and best.tier.pk == current.pk and (valid_until is None or best.until > valid_until):
        reason = _explain(
            _(
                "Requalified for %(tier)s on %(date)s: %(nights)d nights and %(spend)s %(currency)s in %(year)d "
                "(threshold %(threshold_nights)d nights or %(threshold_spend)s %(currency)s). Valid until %(until)s."
            ),
            best,
            as_of,
        )
        return _decision(TierChange.Kind.RENEWAL, best, reason)
    if current.rank > tiers[0].rank and valid_until is not None and valid_until < as_of:
        return _downgrade(tiers, current, valid_until, best, activity, as_of)
    return None


# --- A member's tier through time -----------------------------------------------------------


@dataclass
class TierState:
    """Where a member stands at one point of their timeline."""

    tier: Tier
    valid_until: dt.date | None
    since: dt.date
    reason: str = ""


@dataclass(frozen=True)
class TierStep:
    """One change the rules made on the way: on ``on``, from ``from_tier``."""

    on: dt.date
    from_tier: Tier
    decision: TierDecision

    @property
    def signature(self) -> tuple:
        d = self.decision
        return (self.on, d.kind, self.from_tier.pk, d.tier.pk, d.valid_until)


class Timeline:
    """A member's tier moving forward through their qualifying activity in date order.

    Feed it the member's stays in departure order (:meth:`advance_to` the stay's day,
    :meth:`add` its nights and spend, :meth:`settle` on that day) and it makes exactly
    the decisions the nightly job and the posting of each stay would have made had
    every stay arrived on its departure day: upgrades at once, and at every year
    boundary passed the grace rule (down at most one tier), year by year.
    """

    def __init__(self, *, tiers: list[Tier], state: TierState, activity: Mapping[int, tuple[int, Decimal]] = ()):
        self.tiers = sorted(tiers, key=lambda t: t.rank)
        self.state = state
        self.activity: dict[int, list] = {year: [n, Decimal(s)] for year, (n, s) in dict(activity).items()}
        self.steps: list[TierStep] = []

    @property
    def multiplier(self) -> Decimal:
        return self.state.tier.earn_multiplier

    def add(self, day: dt.date, nights: int, spend: Decimal) -> None:
        entry = self.activity.setdefault(day.year, [0, Decimal("0")])
        entry[0] += nights
        entry[1] += spend

    def advance_to(self, day: dt.date) -> None:
        """Pass every tier expiry before ``day``: each is decided on the day after the
        validity ran out (1 January) with the activity known then."""
        while self.state.valid_until is not None and self.state.valid_until < day:
            boundary = self.state.valid_until + dt.timedelta(days=1)
            known = {year: tuple(v) for year, v in self.activity.items() if year < boundary.year}
            if not self._decide(known, boundary):
                break

    def settle(self, day: dt.date) -> None:
        """Up at once (or renewed) by the activity known on ``day``."""
        self._decide({year: tuple(v) for year, v in self.activity.items()}, day)

    def _decide(self, activity: Mapping, day: dt.date) -> bool:
        state = self.state
        decision = decide_tier(
            tiers=self.tiers, current=state.tier, valid_until=state.valid_until, activity=activity, as_of=day
        )
        if decision is None:
            return False
        self.steps.append(TierStep(day, state.tier, decision))
        if decision.tier.pk != state.tier.pk:
            state.since = day
        state.tier, state.valid_until, state.reason = decision.tier, decision.valid_until, decision.reason
        return True
