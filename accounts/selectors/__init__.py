"""Reads of the key-account app shaped for a page or an endpoint, one module per
sub-domain: ``access`` (who sees and changes what — the one scope rule), ``accounts``
(search, list, group roll-up), ``levels`` (distribution, quarterly migration),
``contacts`` (map and coverage), ``roadmap`` (progress, board) and ``work``
(agenda, agreement alerts, timeline); ``production`` (what attributed stays brought, by
group, property and month), ``pace`` (agreements against commitment) and ``performance``
(Pareto, decline warnings, the attribution review list, scorecards)."""

from .access import (
    account_for_edit,
    can_edit_account,
    editable_accounts,
    editable_ids,
    is_director,
    is_salesperson,
    salespeople,
    visible_accounts,
)
from .accounts import (
    Rollup,
    account_ancestors,
    account_header,
    account_list,
    account_rollup,
    account_search,
    account_subtree_ids,
    account_team,
    annualised_commitment,
    level_history,
    signed_commitment_by_account,
)
from .contacts import Coverage, contact_channels, contact_label, contacts_map, coverage_for_accounts, coverage_of
from .levels import NEW, level_distribution, level_label, level_migration, quarter_bounds, quarter_of
from .pace import Pace, agreement_pace, below_pace, current_period
from .performance import (
    DeclineRules,
    Scorecard,
    account_pareto,
    account_warnings,
    attribution_review,
    scorecard_people,
    scorecards,
)
from .production import AccountProduction, Figures, account_production, family_ids, production_by_account
from .roadmap import Progress, account_roadmap, progress_for_accounts, roadmap, roadmap_board
from .work import (
    EXPIRY_ALERT_DAYS,
    account_timeline,
    activities,
    agenda,
    agreement_state,
    agreements,
    expiring_agreements,
)

__all__ = [
    "AccountProduction",
    "DeclineRules",
    "Figures",
    "Pace",
    "Scorecard",
    "account_pareto",
    "account_production",
    "account_warnings",
    "agreement_pace",
    "attribution_review",
    "below_pace",
    "current_period",
    "family_ids",
    "production_by_account",
    "scorecard_people",
    "scorecards",
    "EXPIRY_ALERT_DAYS",
    "NEW",
    "Coverage",
    "Progress",
    "Rollup",
    "account_ancestors",
    "account_for_edit",
    "account_header",
    "account_list",
    "account_roadmap",
    "account_rollup",
    "account_search",
    "account_subtree_ids",
    "account_team",
    "account_timeline",
    "activities",
    "agenda",
    "agreement_state",
    "agreements",
    "annualised_commitment",
    "can_edit_account",
    "contact_channels",
    "contact_label",
    "contacts_map",
    "coverage_for_accounts",
    "coverage_of",
    "editable_accounts",
    "editable_ids",
    "expiring_agreements",
    "is_director",
    "is_salesperson",
    "level_distribution",
    "level_history",
    "level_label",
    "level_migration",
    "progress_for_accounts",
    "quarter_bounds",
    "quarter_of",
    "roadmap",
    "roadmap_board",
    "salespeople",
    "signed_commitment_by_account",
    "visible_accounts",
]
