"""Key accounts (``accounts/``): the pages under ``/accounts/`` and the API (accounts,
the old ``/api/v1/companies/``, what hangs under an account, the cross-account lists,
handover, merges and the vocabularies).

Accounts are chain-wide (``accounts/roles.py`` says why for the team, activities and
agreements that name a hotel), so every object here is a ``CHAIN`` target.  The
``salesperson`` role is not a column of the matrix: its rule — every account read-only,
its own (owner or team) editable — is ``tests/accounts/test_permissions.py``.
"""

from __future__ import annotations

import datetime as dt

from accounts import services
from accounts.models import RoadmapMilestone, RoadmapStage, ValueDriver
from tests.accounts.conftest import make_salesperson
from tests.accounts.factories import AccountFactory, ActivityFactory, AgreementFactory, ContactFactory
from tests.authz.policy import CHAIN, Route, _caps, _day

# fmt: off
#                   key                 what                                                        FD GR SM CA IN IR
CAPABILITIES = {
    **_caps("Key accounts",
        ("accounts_read",   "Read key accounts (list, 360, plan, roadmap, activities, agreements, levels)", "--AAAA"),
        ("accounts_write",  "Create and change accounts and their contacts, plan, activities, agreements "
                            "(salespeople: the accounts they own or are on the team of)",    "--AA--"),
        ("accounts_direct", "Director of sales: hand accounts over, merge and undo, roadmap stages, "
                            "milestones and value drivers",                                   "--AA--"),
    ),
}
# fmt: on

R = Route
G, P, U, D, DEL = "GET", "POST", "PUT", "PATCH", "DELETE"
ACCOUNT = {"pk": "account"}
CHILD = {"account_pk": "account"}


def _child(key: str) -> dict:
    return {"account_pk": "account", "pk": key}


def _agreement(o: dict, **extra) -> dict:
    return {
        "property": o["own_property"],
        "rate_code": "AUTHZ",
        "valid_from": "2031-01-01",
        "valid_to": "2031-12-31",
        "rate_amount": "100",
        "status": "draft",
        "commitment_period": "year",
        **extra,
    }


_ACCOUNT_BODY = {"name": "Acme Travel", "account_type": "corporate", "account_class": "key"}
_CONTACT = {"name": "Li Wei", "role": "booker", "level": "low", "influence": "3", "attitude": "neutral"}

# fmt: off
ROUTES = [
    # --- API: accounts (and the old companies) -------------------------------------------------
    R("company-list", G, "accounts_read"),
    R("company-list", P, "accounts_write", ok=201, data={"name": "Acme Travel", "relationship_level": "ordinary"}),
    R("company-detail", G, "accounts_read", CHAIN, kwargs={"pk": "company"}),
    R("company-detail", U, "accounts_write", CHAIN, kwargs={"pk": "company"}, data={"name": "Acme", "relationship_level": "ordinary"}),
    R("company-detail", D, "accounts_write", CHAIN, kwargs={"pk": "company"}, data={"name": "Acme"}),
    R("account-list", G, "accounts_read"),
    R("account-list", P, "accounts_write", ok=201, data=_ACCOUNT_BODY),
    R("account-detail", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("account-detail", U, "accounts_write", CHAIN, kwargs=ACCOUNT, data=_ACCOUNT_BODY),
    R("account-detail", D, "accounts_write", CHAIN, kwargs=ACCOUNT, data={"name": "Acme Group"}),
    R("account-handover", P, "accounts_direct", CHAIN, kwargs=ACCOUNT, data=lambda o: {"owner": o["salesperson2"]}),
    R("account-handover", P, "accounts_direct", data=lambda o: {"accounts": [o["account"]], "owner": o["salesperson2"]},
      variant="bulk"),
    R("account-level", P, "accounts_write", CHAIN, ok=201, kwargs=ACCOUNT, data={"level": "partner", "reason": "QBR"}),
    R("account-levels", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("account-merge", P, "accounts_direct", CHAIN, ok=201, kwargs=ACCOUNT, data=lambda o: {"merged": o["duplicate_account"]}),
    R("account-milestones", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("account-milestones", P, "accounts_write", CHAIN, ok=201, kwargs=ACCOUNT, data={"milestone": "map-decision-unit"}),
    R("account-untick", DEL, "accounts_write", CHAIN, kwargs={"pk": "account", "milestone": "=identify-account"}),
    R("account-plan", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("account-plan", D, "accounts_write", CHAIN, kwargs=ACCOUNT, data={"business_goals": "Grow"}),
    R("account-timeline", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    # --- API: what hangs under an account ------------------------------------------------------
    R("account-contacts-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-contacts-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD, data=_CONTACT),
    R("account-contacts-detail", G, "accounts_read", CHAIN, kwargs=_child("account_contact")),
    R("account-contacts-detail", U, "accounts_write", CHAIN, kwargs=_child("account_contact"), data={"influence": 5}),
    R("account-contacts-detail", D, "accounts_write", CHAIN, kwargs=_child("account_contact"), data={"influence": 4}),
    R("account-contacts-detail", DEL, "accounts_write", CHAIN, ok=204, kwargs=_child("account_contact")),
    R("account-contacts-erase", P, "accounts_write", CHAIN, kwargs=_child("account_contact")),
    R("account-agreements-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-agreements-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD, data=_agreement),
    R("account-agreements-detail", G, "accounts_read", CHAIN, kwargs=_child("account_agreement")),
    R("account-agreements-detail", U, "accounts_write", CHAIN, kwargs=_child("account_agreement"), data={"notes": "Renewal"}),
    R("account-agreements-detail", D, "accounts_write", CHAIN, kwargs=_child("account_agreement"), data={"notes": "Renewal"}),
    R("account-activities-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-activities-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD,
      data=lambda o: {"kind": "call", "subject": "Call", "due_on": _day(3), "owner": o["salesperson"]}),
    R("account-activities-detail", G, "accounts_read", CHAIN, kwargs=_child("account_activity")),
    R("account-activities-detail", U, "accounts_write", CHAIN, kwargs=_child("account_activity"), data={"subject": "Visit"}),
    R("account-activities-detail", D, "accounts_write", CHAIN, kwargs=_child("account_activity"), data={"subject": "Visit"}),
    R("account-activities-complete", P, "accounts_write", CHAIN, kwargs=_child("account_activity"), data={"outcome": "Done"}),
    R("account-activities-cancel", P, "accounts_write", CHAIN, kwargs=_child("account_activity"), data={"reason": "Moved"}),
    R("account-team-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-team-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD,
      data=lambda o: {"user": o["salesperson2"], "role": "revenue_manager"}),
    R("account-team-detail", DEL, "accounts_write", CHAIN, ok=204, kwargs=_child("account_team_member")),
    R("account-external-ids-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-external-ids-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD, data={"system": "pms", "external_id": "A-9"}),
    R("account-external-ids-detail", DEL, "accounts_write", CHAIN, ok=204, kwargs=_child("account_external_id")),
    R("account-competitors-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-competitors-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD, data={"name": "Harbour Inn", "position": "ahead"}),
    R("account-competitors-detail", U, "accounts_write", CHAIN, kwargs=_child("account_competitor"),
      data={"name": "City Suites", "position": "behind"}),
    R("account-competitors-detail", D, "accounts_write", CHAIN, kwargs=_child("account_competitor"), data={"position": "behind"}),
    R("account-competitors-detail", DEL, "accounts_write", CHAIN, ok=204, kwargs=_child("account_competitor")),
    R("account-documents-list", G, "accounts_read", CHAIN, kwargs=CHILD),
    R("account-documents-list", P, "accounts_write", CHAIN, ok=201, kwargs=CHILD,
      data={"title": "Plan", "url": "https://docs.example/p"}),
    R("account-documents-detail", DEL, "accounts_write", CHAIN, ok=204, kwargs=_child("account_document")),
    # --- API: across accounts ------------------------------------------------------------------
    R("account-activity-list", G, "accounts_read"),
    R("account-activity-detail", G, "accounts_read", CHAIN, kwargs={"pk": "account_activity"}),
    R("account-agreement-list", G, "accounts_read"),
    R("account-agreement-expiring", G, "accounts_read"),
    R("account-agreement-detail", G, "accounts_read", CHAIN, kwargs={"pk": "account_agreement"}),
    R("account-merge-list", G, "accounts_direct"),
    R("account-merge-detail", G, "accounts_direct", CHAIN, kwargs={"pk": "account_merge"}),
    R("account-merge-undo", P, "accounts_direct", CHAIN, kwargs={"pk": "account_merge"}),
    R("account-level-distribution", G, "accounts_read"),
    R("account-level-migration", G, "accounts_read"),
    R("roadmap-board", G, "accounts_read"),
    R("roadmap-stage-list", G, "accounts_read"),
    R("roadmap-stage-list", P, "accounts_direct", ok=201, data={"code": "authz-stage", "name": "Extra"}),
    R("roadmap-stage-detail", G, "accounts_read", CHAIN, kwargs={"pk": "roadmap_stage"}),
    R("roadmap-stage-detail", U, "accounts_direct", CHAIN, kwargs={"pk": "roadmap_stage"}, data={"name": "Prospecting"}),
    R("roadmap-stage-detail", D, "accounts_direct", CHAIN, kwargs={"pk": "roadmap_stage"}, data={"sort_order": 5}),
    R("roadmap-milestone-list", G, "accounts_read"),
    R("roadmap-milestone-list", P, "accounts_direct", ok=201,
      data=lambda o: {"stage": o["roadmap_stage_code"], "code": "authz-ms", "name": "Legal review"}),
    R("roadmap-milestone-detail", G, "accounts_read", CHAIN, kwargs={"pk": "roadmap_milestone"}),
    R("roadmap-milestone-detail", U, "accounts_direct", CHAIN, kwargs={"pk": "roadmap_milestone"}, data={"name": "Identified"}),
    R("roadmap-milestone-detail", D, "accounts_direct", CHAIN, kwargs={"pk": "roadmap_milestone"}, data={"sort_order": 5}),
    R("value-driver-list", G, "accounts_read"),
    R("value-driver-list", P, "accounts_direct", ok=201, data={"code": "wellness", "name": "Wellness"}),
    R("value-driver-detail", G, "accounts_read", CHAIN, kwargs={"pk": "value_driver"}),
    R("value-driver-detail", U, "accounts_direct", CHAIN, kwargs={"pk": "value_driver"}, data={"name": "Price"}),
    R("value-driver-detail", D, "accounts_direct", CHAIN, kwargs={"pk": "value_driver"}, data={"sort_order": 5}),
    # --- Pages ---------------------------------------------------------------------------------
    R("accounts:list", G, "accounts_read"),
    R("accounts:create", P, "accounts_write", ok=302,
      data={**_ACCOUNT_BODY, "relationship_level": "partner", "level_reason": "Big spender"}),
    R("accounts:board", G, "accounts_read"),
    R("accounts:agenda", G, "accounts_write"),
    R("accounts:levels", G, "accounts_read"),
    R("accounts:agreement-alerts", G, "accounts_read"),
    R("accounts:handover", P, "accounts_direct", ok=302,
      data=lambda o: {"accounts": [o["account"]], "owner": o["salesperson2"]}),
    R("accounts:settings", G, "accounts_read"),
    R("accounts:vocabulary-add", P, "accounts_direct", ok=302, kwargs={"kind": "=driver"},
      data={"code": "wellness", "name": "Wellness", "sort_order": "80", "is_active": "on"}),
    R("accounts:vocabulary-save", P, "accounts_direct", ok=302, kwargs={"kind": "=driver", "entry_id": "value_driver"},
      data={"name": "Price", "sort_order": "5", "is_active": "on"}),
    R("accounts:merge-undo", P, "accounts_direct", ok=302, kwargs={"merge_id": "account_merge"}),
    R("accounts:detail", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:edit", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data=_ACCOUNT_BODY),
    R("accounts:level", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"level": "partner", "reason": "QBR"}),
    R("accounts:account-handover", P, "accounts_direct", CHAIN, ok=302, kwargs=ACCOUNT,
      data=lambda o: {"owner": o["salesperson2"]}),
    R("accounts:merge", P, "accounts_direct", CHAIN, ok=302, kwargs=ACCOUNT,
      data=lambda o: {"merged": o["duplicate_account"], "note": "Same firm"}),
    R("accounts:external-id-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"system": "pms", "external_id": "A-9"}),
    R("accounts:external-id-remove", P, "accounts_write", CHAIN, ok=302,
      kwargs={"pk": "account", "link_id": "account_external_id"}),
    R("accounts:team", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:team-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT,
      data=lambda o: {"user": o["salesperson2"], "role": "revenue_manager"}),
    R("accounts:team-remove", P, "accounts_write", CHAIN, ok=302, kwargs={"pk": "account", "member_id": "account_team_member"}),
    R("accounts:timeline", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:contacts", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:contact-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data=_CONTACT),
    R("accounts:contact-edit", P, "accounts_write", CHAIN, ok=302, kwargs={"pk": "account", "contact_id": "account_contact"},
      data={**_CONTACT, "influence": "5"}),
    R("accounts:contact-remove", P, "accounts_write", CHAIN, ok=302, kwargs={"pk": "account", "contact_id": "account_contact"}),
    R("accounts:contact-erase", P, "accounts_write", CHAIN, ok=302, kwargs={"pk": "account", "contact_id": "account_contact"}),
    R("accounts:plan", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:plan-save", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"business_goals": "Grow", "share_of_wallet": "20"}),
    R("accounts:scores-save", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"importance_price": "5", "our_score_price": "2"}),
    R("accounts:competitor-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"name": "Harbour Inn", "position": "ahead"}),
    R("accounts:competitor-remove", P, "accounts_write", CHAIN, ok=302,
      kwargs={"pk": "account", "competitor_id": "account_competitor"}),
    R("accounts:document-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT,
      data={"title": "Plan", "url": "https://docs.example/p", "kind": "plan"}),
    R("accounts:document-remove", P, "accounts_write", CHAIN, ok=302, kwargs={"pk": "account", "document_id": "account_document"}),
    R("accounts:roadmap", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:milestone-tick", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"milestone": "map-decision-unit"}),
    R("accounts:milestone-untick", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data={"milestone": "identify-account"}),
    R("accounts:activities", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:activity-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT,
      data=lambda o: {"kind": "visit", "subject": "Visit", "due_on": _day(3), "owner": o["salesperson"]}),
    R("accounts:activity-complete", P, "accounts_write", CHAIN, ok=302,
      kwargs={"pk": "account", "activity_id": "account_activity"}, data={"outcome": "Done"}),
    R("accounts:activity-cancel", P, "accounts_write", CHAIN, ok=302,
      kwargs={"pk": "account", "activity_id": "account_activity"}, data={"reason": "Moved"}),
    R("accounts:agreements", G, "accounts_read", CHAIN, kwargs=ACCOUNT),
    R("accounts:agreement-add", P, "accounts_write", CHAIN, ok=302, kwargs=ACCOUNT, data=_agreement),
    R("accounts:agreement-edit", P, "accounts_write", CHAIN, ok=302,
      kwargs={"pk": "account", "agreement_id": "account_agreement"}, data=lambda o: _agreement(o, rate_code="AZ-AGR")),
    R("accounts:agreement-status", P, "accounts_write", CHAIN, ok=302,
      kwargs={"pk": "account", "agreement_id": "account_agreement"}, data={"status": "sent"}),
]
# fmt: on


def build_objects(ids: dict, *, own_hotel, other_hotel, users) -> None:
    """An account owned by a salesperson with one of everything that hangs under it, a
    duplicate to merge, a merge to undo and the vocabularies' first entries."""
    rep = make_salesperson("authz-rep", own_hotel)
    rep2 = make_salesperson("authz-rep2", own_hotel)
    account = AccountFactory(name="Authz Travel", owner=rep)
    services.milestone_tick(account_id=account.pk, milestone="identify-account", by=None)
    member = services.team_member_add(account_id=account.pk, user=rep, role="executive_sponsor", by=None)
    survivor, merged_away = AccountFactory(name="Authz Survivor"), AccountFactory(name="Authz Survivor Ltd")
    stage = RoadmapStage.objects.order_by("sort_order", "id").first()
    ids["chain"].update(
        {
            "salesperson": rep.pk,
            "salesperson2": rep2.pk,
            "own_property": own_hotel.pk,
            "account": account.pk,
            "duplicate_account": AccountFactory(name="Authz Travel Ltd").pk,
            "account_contact": ContactFactory(account=account).pk,
            "account_agreement": AgreementFactory(
                account=account,
                property=own_hotel,
                valid_from=dt.date(2030, 1, 1),
                valid_to=dt.date(2030, 12, 31),
                status="draft",
            ).pk,
            "account_activity": ActivityFactory(account=account, owner=rep).pk,
            "account_team_member": member.pk,
            "account_external_id": services.external_id_add(
                account_id=account.pk, system="pms", external_id="AUTHZ-1", by=None
            ).pk,
            "account_competitor": services.competitor_save(
                account_id=account.pk, data={"name": "City Suites", "position": "level"}, by=None
            ).pk,
            "account_document": services.document_add(
                account_id=account.pk, data={"title": "Plan", "url": "https://docs.example/plan"}, by=None
            ).pk,
            "account_merge": services.account_merge(survivor_id=survivor.pk, merged_id=merged_away.pk, by=None).pk,
            "roadmap_stage": stage.pk,
            "roadmap_stage_code": stage.code,
            "roadmap_milestone": RoadmapMilestone.objects.order_by("stage__sort_order", "sort_order", "id").first().pk,
            "value_driver": ValueDriver.objects.order_by("sort_order", "code").first().pk,
        }
    )
