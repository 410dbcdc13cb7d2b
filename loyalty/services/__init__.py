"""Writes and business rules of the loyalty programme, by sub-domain:

* :mod:`.ledger` — the append-only points ledger and manual movements (earn, spend,
  adjust, redeem, compensation);
* :mod:`.tiers` — the tier ladder admins maintain;
* :mod:`.membership` — enrolment; :mod:`.merge` — guest merges and their undo;
* :mod:`.earning` — which member a stay concerns; :mod:`.posting` — a member's stays
  posted in date order (history replayed from the first day touched);
* :mod:`.requalification` — the nightly tier job, year boundary by year boundary;
* :mod:`.expiry` — points expiry; :mod:`.claims` — missing-points claims;
* :mod:`.privacy` — erasure.

The pure rules (what a stay earns, which tier a year reaches, the timeline) are in
:mod:`loyalty.rules`; reads in :mod:`loyalty.selectors`.  Callers import from here.
"""

from ..rules import NOTHING, StayValue, TierDecision, decide_tier, earned_tier, eligible_revenue, stay_value, year_end
from .claims import claim_approve, claim_file, claim_reject
from .earning import (
    STAY_BATCH,
    memberships_replay,
    points_earn_for_stay,
    stay_points_sync,
    stays_points_catch_up,
    stays_points_sync,
    sync_stays,
)
from .expiry import months_before, points_expire
from .ledger import (
    MAX_KEY_LENGTH,
    points_adjust,
    points_earn,
    points_post_compensation,
    points_redeem,
    points_spend,
)
from .membership import membership_enrol
from .merge import membership_merge_move, membership_merge_restore
from .privacy import guest_loyalty_erase, loyalty_activity
from .requalification import tier_requalify, tiers_requalify
from .tiers import base_tier, tier_create, tier_update, tier_validate

__all__ = [
    "MAX_KEY_LENGTH",
    "NOTHING",
    "STAY_BATCH",
    "StayValue",
    "TierDecision",
    "base_tier",
    "claim_approve",
    "claim_file",
    "claim_reject",
    "decide_tier",
    "earned_tier",
    "eligible_revenue",
    "guest_loyalty_erase",
    "loyalty_activity",
    "membership_enrol",
    "membership_merge_move",
    "membership_merge_restore",
    "memberships_replay",
    "months_before",
    "points_adjust",
    "points_earn",
    "points_earn_for_stay",
    "points_expire",
    "points_post_compensation",
    "points_redeem",
    "points_spend",
    "stay_points_sync",
    "stay_value",
    "stays_points_catch_up",
    "stays_points_sync",
    "sync_stays",
    "tier_create",
    "tier_requalify",
    "tier_update",
    "tier_validate",
    "tiers_requalify",
    "year_end",
]
