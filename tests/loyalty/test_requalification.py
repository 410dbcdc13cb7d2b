"""Tier requalification: up at once, down only at the year boundary with the grace rule,
the reason written, and a rerun the same night changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from loyalty import services, tasks
from loyalty.models import Membership, StayCredit, TierChange
from tests.factories import StayFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2031, 6, 15)
YEAR = AS_OF.year


def decide(tiers, current, valid_until, activity, as_of=AS_OF):
    return services.decide_tier(
        tiers=list(tiers.values()),
        current=tiers[current],
        valid_until=valid_until,
        activity={y: (n, Decimal(s)) for y, (n, s) in activity.items()},
        as_of=as_of,
    )


def test_nights_or_spend_alone_reach_a_tier(tiers):
    by_nights = decide(tiers, "member", None, {YEAR: (10, 0)})
    by_spend = decide(tiers, "member", None, {YEAR: (1, 10_000)})
    short = decide(tiers, "member", None, {YEAR: (9, "9999.99")})

    assert by_nights.tier == by_spend.tier == tiers["silver"]
    assert short is None


def test_this_years_activity_moves_up_at_once_until_the_end_of_next_year(tiers):
    decision = decide(tiers, "silver", dt.date(YEAR, 12, 31), {YEAR: (26, 0)})

    assert decision.kind == TierChange.Kind.UPGRADE
    assert decision.tier == tiers["gold"]
    assert decision.valid_until == dt.date(YEAR + 1, 12, 31)
    assert "26 nights" in decision.reason and "Gold" in decision.reason


def test_the_highest_tier_reached_wins(tiers):
    assert decide(tiers, "member", None, {YEAR: (60, 0)}).tier == tiers["platinum"]


def test_last_years_activity_holds_a_tier_until_the_end_of_this_year(tiers):
    decision = decide(tiers, "member", None, {YEAR - 1: (12, 0)})

    assert decision.tier == tiers["silver"]
    assert decision.valid_until == dt.date(YEAR, 12, 31)


def test_requalifying_renews_the_tier(tiers):
    decision = decide(tiers, "gold", dt.date(YEAR, 12, 31), {YEAR: (25, 0)})

    assert decision.kind == TierChange.Kind.RENEWAL
    assert decision.valid_until == dt.date(YEAR + 1, 12, 31)
    assert decide(tiers, "gold", dt.date(YEAR + 1, 12, 31), {YEAR: (25, 0)}) is None


def test_no_downgrade_during_the_year_even_without_activity(tiers):
    assert decide(tiers, "platinum", dt.date(YEAR, 12, 31), {}) is None
    assert decide(tiers, "platinum", dt.date(YEAR, 12, 31), {}, as_of=dt.date(YEAR, 12, 31)) is None


def test_at_the_year_boundary_a_member_drops_one_tier_at_most(tiers):
    new_year = dt.date(YEAR + 1, 1, 1)

    decision = decide(tiers, "platinum", dt.date(YEAR, 12, 31), {YEAR: (3, 0)}, as_of=new_year)

    assert decision.kind == TierChange.Kind.DOWNGRADE
    assert decision.tier == tiers["gold"]  # grace: not straight to Member
    assert decision.valid_until == dt.date(YEAR + 1, 12, 31)
    assert "Grace rule" in decision.reason and "Platinum" in decision.reason


def test_at_the_year_boundary_a_member_keeps_what_last_year_earned(tiers):
    new_year = dt.date(YEAR + 1, 1, 1)

    decision = decide(tiers, "platinum", dt.date(YEAR, 12, 31), {YEAR: (30, 0)}, as_of=new_year)

    # Gold was earned last year: it is valid to the end of this year, then renewed or not.
    assert decision.tier == tiers["gold"]
    assert decision.valid_until == dt.date(YEAR + 1, 12, 31)


def test_silver_lands_on_the_base_tier_which_never_expires(tiers):
    decision = decide(tiers, "silver", dt.date(YEAR - 1, 12, 31), {})

    assert decision.tier == tiers["member"]
    assert decision.valid_until is None
    assert decide(tiers, "member", None, {}) is None


def test_changed_thresholds_apply_at_the_next_run(tiers):
    tiers["silver"].qualifying_nights = 5
    assert decide(tiers, "member", None, {YEAR: (5, 0)}).tier == tiers["silver"]


# --- The nightly job ------------------------------------------------------------------------


def credit(membership, *, year, nights, spend="0"):
    stay = StayFactory(guest=membership.guest, arrival_date=dt.date(year, 3, 1))
    StayCredit.objects.create(
        stay=stay,
        membership=membership,
        departure_date=dt.date(year, 3, 1),
        nights=nights,
        eligible_revenue=Decimal(spend),
        currency="EUR",
        qualifying_spend=Decimal(spend),
        exchange_rate=1,
        earn_multiplier=1,
        revision=1,
    )


def test_the_nightly_job_upgrades_renews_and_downgrades_and_a_rerun_changes_nothing(member, tiers):
    climber = member()
    credit(climber, year=YEAR, nights=11)
    renewing = member("gold", tier_valid_until=dt.date(YEAR, 12, 31))
    credit(renewing, year=YEAR, nights=3, spend="31000")
    lapsed = member("platinum", tier_valid_until=dt.date(YEAR - 1, 12, 31))
    quiet = member("gold", tier_valid_until=dt.date(YEAR, 12, 31))

    first = services.tiers_requalify(as_of=AS_OF, batch_size=2)
    states = list(Membership.objects.order_by("pk").values_list("tier__code", "tier_valid_until", "tier_reason"))
    second = services.tiers_requalify(as_of=AS_OF, batch_size=2)

    assert first == {"members": 4, "upgrade": 1, "renewal": 1, "downgrade": 1}
    assert second == {"members": 4, "upgrade": 0, "renewal": 0, "downgrade": 0}
    assert (
        list(Membership.objects.order_by("pk").values_list("tier__code", "tier_valid_until", "tier_reason")) == states
    )
    assert [s[0] for s in states] == ["silver", "gold", "gold", "gold"]
    for membership, effective_on in ((climber, AS_OF), (renewing, AS_OF), (lapsed, dt.date(YEAR, 1, 1))):
        membership.refresh_from_db()
        assert membership.tier_reason
        # Up and renewed on the run date; down on the year boundary its tier ran out at.
        assert list(membership.tier_changes.values_list("effective_on", flat=True)) == [effective_on]
    quiet.refresh_from_db()
    assert quiet.tier_valid_until == dt.date(YEAR, 12, 31)
    assert not quiet.tier_changes.exists()


def test_the_task_takes_an_iso_date_and_is_idempotent(member):
    climber = member()
    credit(climber, year=YEAR, nights=30)

    first = tasks.requalify_tiers(AS_OF.isoformat())
    second = tasks.requalify_tiers(AS_OF.isoformat())

    assert first["upgrade"] == 1 and second["upgrade"] == 0
    climber.refresh_from_db()
    assert climber.tier.code == "gold"


def test_the_task_runs_through_celery(member):
    member()
    result = tasks.requalify_tiers.delay(AS_OF.isoformat())
    assert result.get()["members"] == 1


def test_the_explanation_says_why_and_what_is_next(member, tiers):
    from loyalty import selectors

    membership = member()
    credit(membership, year=YEAR, nights=12)
    services.tiers_requalify(as_of=AS_OF)
    membership.refresh_from_db()

    progress = selectors.membership_overview(membership=membership, viewer=None, as_of=AS_OF)["progress"]

    assert progress["nights"] == 12
    assert progress["next_tier"]["code"] == "gold"
    assert progress["next_tier"]["nights_to_go"] == tiers["gold"].qualifying_nights - 12
    assert any("Upgraded to Silver" in line for line in progress["explanation"])
    assert any("Next tier, Gold" in line for line in progress["explanation"])


def test_a_run_that_missed_years_passes_each_year_boundary_in_turn(member, tiers):
    """Platinum that ran out three years ago: one tier down per boundary (grace rule),
    as three yearly runs would have done, not one step for the whole gap."""
    lapsed = member("platinum", tier_valid_until=dt.date(YEAR - 3, 12, 31))
    credit(lapsed, year=YEAR - 2, nights=12)  # Silver's threshold, in the second year

    stats = services.tiers_requalify(as_of=AS_OF)

    lapsed.refresh_from_db()
    steps = list(
        lapsed.tier_changes.order_by("effective_on").values_list("effective_on", "to_tier__code", "valid_until")
    )
    assert steps == [
        (dt.date(YEAR - 2, 1, 1), "gold", dt.date(YEAR - 2, 12, 31)),
        # Gold ran out; last year's 12 nights hold Silver to the end of this year.
        (dt.date(YEAR - 1, 1, 1), "silver", dt.date(YEAR - 1, 12, 31)),
        (dt.date(YEAR, 1, 1), "member", None),
    ]
    assert stats["downgrade"] == 3
    assert lapsed.tier == tiers["member"] and lapsed.tier_since == dt.date(YEAR, 1, 1)
    assert services.tiers_requalify(as_of=AS_OF)["downgrade"] == 0
