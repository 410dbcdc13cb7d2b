"""The authorization policy as ONE table: who may do what, and which route does what.

It is written independently of the apps' ``roles.py`` and views: granting a role
something new, or adding a route, is a deliberate change here too.
``tests/authz/test_matrix.py`` walks the URL conf and fails for a route that is not in
:data:`ROUTES`; for every route, every role (and anonymous) and every object it can name
— one of the asker's hotel ("own"), one of another hotel ("other"), or none — it checks
the status below.  The README's role table is printed from :data:`CAPABILITIES`
(``python -m tests.authz.role_table``).

Grants, one letter per role in :data:`ROLE_ORDER` order:

* ``A`` — at every hotel;
* ``O`` — at the asker's own hotels only (``crm_site.scope``): another hotel's object
  answers 404, another hotel named in the input 400 (``refused`` on the route when a
  page answers otherwise);
* ``-`` — not at all: 403.

Everyone else: anonymous gets 401 from the API and a redirect to the log-in page from a
page; integrator accounts get 403 from every page (they use the API).

A route's ``target`` says what it names:

* ``NONE`` — nothing (lists, reports, forms);
* ``CHAIN`` — a chain-wide object (a guest profile, a membership, a tier...);
* ``OBJECT`` — a property-scoped object, tried with one of each hotel;
* ``INPUT`` — a hotel named in the body or the query string, tried with each hotel;
* ``MINE`` — the asker's own object (their token, their notification), tried with one
  in their scope and one outside it (another person's token, their notification at the
  other hotel).

``lookup_first``: the view finds the object before it checks the capability, so a role
without it that is bound to its hotels (:data:`BOUND_ROLES`) gets 404 for another
hotel's object (nothing is revealed either way).  A URL argument ``"=value"`` is literal.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from crm_site.roles import CHAIN_ADMIN, FRONT_DESK, GUEST_RELATIONS, INTEGRATOR, INTEGRATOR_READONLY, SALES_MANAGER

ROLE_ORDER = (FRONT_DESK, GUEST_RELATIONS, SALES_MANAGER, CHAIN_ADMIN, INTEGRATOR, INTEGRATOR_READONLY)
ALL, OWN, NO = "A", "O", "-"
NONE, CHAIN, OBJECT, INPUT, MINE = "none", "chain", "object", "input", "mine"
API, PAGE = "api", "page"


@dataclass(frozen=True)
class Capability:
    area: str
    label: str
    grants: str  # one of A / O / - per role, in ROLE_ORDER

    def grant(self, role: str) -> str:
        return self.grants[ROLE_ORDER.index(role)]


def _caps(area: str, *rows: tuple[str, str, str]) -> dict[str, Capability]:
    return {key: Capability(area, label, grants) for key, label, grants in rows}


# fmt: off
#                   key                 what                                                        FD GR SM CA IN IR
CAPABILITIES: dict[str, Capability] = {
    **_caps("Guests",
        ("guest_read",      "Look up guests, the 360 view and profile API (chain-wide)",          "AAAAAA"),
        ("guest_edit",      "Create and edit profiles, preferences, notes",                       "AA-AA-"),
        ("guest_merge",     "Merge duplicates, undo a merge",                                     "---A--"),
        ("guest_export",    "Export a guest's data (access request)",                             "--AA--"),
        ("guest_erase",     "Erase a guest",                                                      "---A--"),
        ("guest_audit",     "The audit log (a guest's, and the whole log)",                       "---A--"),
        ("consents_read",   "Read a guest's consent ledger",                                      "AAAAAA"),
        ("consents_record", "Record consent given or withdrawn",                                  "AA-AA-"),
        ("stay_read",       "Read stays",                                                         "OOAAAA"),
        ("stay_write",      "Create and change stays (one or a batch)",                           "O--AA-"),
        ("arrivals",        "A day's arrivals",                                                   "OOAAAA"),
        ("revenue",         "See revenue and amounts (stays, spend, segments, exports)",          "--AAAA"),
        ("hotels_read",     "Read hotels",                                                        "AAAAAA"),
        ("hotels_write",    "Add and change hotels",                                              "---A--"),
        ("reference_read",  "Read exchange rates and rooms to sell",                              "--AAAA"),
        ("reference_write", "Keep exchange rates and rooms to sell",                              "---A--"),
    ),
    **_caps("Loyalty",
        ("loyalty_read",    "Memberships, ledgers, tiers, rewards",                               "AAAAAA"),
        ("loyalty_enrol",   "Enrol a guest",                                                      "AA-AA-"),
        ("loyalty_redeem",  "Redeem points for a reward",                                         "AA-A--"),
        ("loyalty_earn",    "Post earned points",                                                 "---AA-"),
        ("loyalty_adjust",  "Adjust a balance",                                                   "---A--"),
        ("loyalty_rules",   "Change tiers and the reward catalogue",                              "---A--"),
        ("claims_read",     "Read missing-points claims",                                         "OOAAAA"),
        ("claims_file",     "File a missing-points claim",                                        "OO-A--"),
        ("claims_decide",   "Approve or reject a claim",                                          "-O-A--"),
    ),
    **_caps("Complaints",
        ("complaints_read", "Read complaints and their timeline",                                 "OOAAAA"),
        ("complaints_log",  "Log a complaint, link its guest and stay",                           "OO-AA-"),
        ("complaints_work", "Assign, investigate, resolve, close, reopen",                         "-O-A--"),
        ("complaints_stats", "Complaint analysis",                                                "--AA--"),
        ("notifications",   "Acknowledge one's escalation notices",                               "OOAA--"),
    ),
    **_caps("Segments and care",
        ("analytics",       "Customer pyramid, Pareto, runs and their CSV exports",               "--AAAA"),
        ("care_read",       "Read the care list",                                                 "OOAAAA"),
        ("care_work",       "Mark care items done, send care e-mails",                            "OOAA--"),
        ("care_build",      "Rebuild the care list now",                                          "--AA--"),
        ("care_export",     "Export the care list as a contact list (consenting guests only)",    "--AA--"),
        ("warnings_read",   "Read churn warnings (API)",                                          "OOAAAA"),
        ("warnings_work",   "Win-back worklist: assign warnings, record outcomes",                "--AA--"),
        ("lost_analysis",   "Lost-guest analysis",                                                "--AA--"),
        ("surveys_read",    "Read stay surveys",                                                  "OOAAAA"),
        ("surveys_record",  "Record a stay survey",                                               "OOAAA-"),
    ),
    **_caps("Administration",
        ("nightly",         "Nightly runs: read, rerun a date",                                   "---A--"),
        ("tokens",          "API tokens: list, revoke (their own; chain admins everybody's)",     "OOOAOO"),
        ("api_docs",        "API schema and docs",                                                "AAAAAA"),
    ),
}
# fmt: on


@dataclass(frozen=True)
class Route:
    """One request the matrix sends: ``name`` (URL name) and ``method``; ``variant``
    tells apart two bodies of the same route (earn / redeem / adjust)."""

    name: str
    method: str
    capability: str
    target: str = NONE
    ok: int = 200
    kwargs: dict = field(default_factory=dict)  # URL argument -> key of the objects named, or "=literal"
    data: object = None  # dict, or callable(objects) -> dict (body or query string)
    refused: int | None = None  # an "O" role naming another hotel (default 404, or 400 for INPUT)
    lookup_first: bool = False
    variant: str = ""

    @property
    def key(self) -> str:
        return " ".join(filter(None, (self.name, self.method, self.variant)))

    @property
    def surface(self) -> str:
        return SURFACES.get(self.name, PAGE if ":" in self.name else API)


# The API docs are a page under /api/ (a session, the log-in redirect).
SURFACES = {"api-docs": PAGE}
# Roles bound to their home hotels: an object of another hotel is hidden from them even
# where they lack the capability (``lookup_first``).
BOUND_ROLES = {FRONT_DESK, GUEST_RELATIONS}
_keys = itertools.count()


def fresh() -> str:
    return f"authz-{next(_keys)}"


def _day(days: int = 0) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _stay(o: dict, **extra) -> dict:
    """A new stay as an integration sends it, without amounts (a row with amounts needs
    the revenue permission, tested on its own)."""
    return {
        "property": o["code"],
        "confirmation_number": fresh(),
        "arrival_date": _day(10),
        "departure_date": _day(12),
        "status": "reserved",
        "channel": "direct",
        **extra,
    }


R = Route
G, P, U, D = "GET", "POST", "PUT", "PATCH"
DEL = "DELETE"

# fmt: off
ROUTES: list[Route] = [
    # --- API: guests, stays, hotels ------------------------------------------------------------
    R("api-root", G, "api_docs"),
    R("api-schema", G, "api_docs"),
    R("api-docs", G, "api_docs"),
    R("guest-list", G, "guest_read"),
    R("guest-list", P, "guest_edit", ok=201, data={"family_name": "Santos"}),
    R("guest-detail", G, "guest_read", CHAIN, kwargs={"pk": "guest"}),
    R("guest-detail", U, "guest_edit", CHAIN, kwargs={"pk": "guest"}, data={"notes": "VIP", "version": 1}),
    R("guest-detail", D, "guest_edit", CHAIN, kwargs={"pk": "guest"}, data={"notes": "VIP", "version": 1}),
    R("guest-profile", G, "guest_read", CHAIN, kwargs={"pk": "guest"}),
    R("guest-duplicates", G, "guest_merge", CHAIN, kwargs={"pk": "guest"}),
    R("guest-merge", P, "guest_merge", CHAIN, ok=201, kwargs={"pk": "guest"}, data=lambda o: {"duplicate": o["duplicate"]}),
    R("guest-export", G, "guest_export", CHAIN, kwargs={"pk": "guest"}),
    R("guest-erase", P, "guest_erase", CHAIN, kwargs={"pk": "guest"}, data={"reference": "DPR-2026-1"}),
    R("guest-consent-list", G, "consents_read", CHAIN, kwargs={"guest_pk": "guest"}),
    R("guest-consent-list", P, "consents_record", CHAIN, ok=201, kwargs={"guest_pk": "guest"},
      data={"purpose": "marketing_email", "granted": True, "source": "desk"}),
    R("audit-event-list", G, "guest_audit"),
    R("audit-event-detail", G, "guest_audit", CHAIN, kwargs={"pk": "audit_event"}),
    R("guest-preference-list", G, "guest_read", CHAIN, kwargs={"guest_pk": "guest"}),
    R("guest-preference-list", P, "guest_edit", CHAIN, ok=201, kwargs={"guest_pk": "guest"}, data={"preference_type": "authz-b"}),
    R("guest-preference-detail", DEL, "guest_edit", CHAIN, ok=204, kwargs={"guest_pk": "guest", "pk": "preference"}),
    R("guest-merge-list", G, "guest_merge"),
    R("guest-merge-detail", G, "guest_merge", CHAIN, kwargs={"pk": "merge"}),
    R("guest-merge-undo", P, "guest_merge", CHAIN, kwargs={"pk": "merge"}),
    R("stay-list", G, "stay_read"),
    R("stay-list", P, "stay_write", INPUT, ok=201, data=_stay),
    R("stay-bulk", P, "stay_write", INPUT, data=lambda o: {"stays": [_stay(o)]}),
    R("stay-detail", G, "stay_read", OBJECT, kwargs={"pk": "stay"}),
    R("stay-detail", U, "stay_write", OBJECT, kwargs={"pk": "stay"},
      data=lambda o: _stay(o, confirmation_number=f"AZ-{'L' if o['code'] == 'LIS' else 'A'}-1", status="checked_out")),
    R("stay-detail", D, "stay_write", OBJECT, kwargs={"pk": "stay"}, data={"room_number": "101"}),
    R("arrivals", G, "arrivals", INPUT, data=lambda o: {"property": o["code"], "date": _day()}),
    R("property-list", G, "hotels_read"),
    R("property-list", P, "hotels_write", ok=201, data={"code": "OPO", "name": "Porto"}),
    R("exchange-rate-list", G, "reference_read"),
    R("exchange-rate-list", P, "reference_write", ok=201, data={"currency": "GBP", "valid_from": "2021-01-01", "rate": "1.15"}),
    R("exchange-rate-bulk", P, "reference_write",
      data={"rates": [{"currency": "CHF", "valid_from": "2021-01-01", "rate": "1.02"}]}),
    R("exchange-rate-detail", G, "reference_read", CHAIN, kwargs={"pk": "exchange_rate"}),
    R("exchange-rate-detail", U, "reference_write", CHAIN, kwargs={"pk": "exchange_rate"},
      data={"currency": "GBP", "valid_from": "2020-01-01", "rate": "1.12"}),
    R("exchange-rate-detail", D, "reference_write", CHAIN, kwargs={"pk": "exchange_rate"}, data={"rate": "1.13"}),
    R("room-inventory-list", G, "reference_read"),
    R("room-inventory-list", P, "reference_write", ok=201, data=lambda o: {"property": "LIS", "valid_from": "2021-01-01", "rooms": 130}),
    R("room-inventory-detail", G, "reference_read", CHAIN, kwargs={"pk": "room_inventory"}),
    R("room-inventory-detail", U, "reference_write", CHAIN, kwargs={"pk": "room_inventory"},
      data={"property": "LIS", "valid_from": "2020-01-01", "rooms": 125}),
    R("room-inventory-detail", D, "reference_write", CHAIN, kwargs={"pk": "room_inventory"}, data={"rooms": 126}),
    R("property-detail", G, "hotels_read", CHAIN, kwargs={"pk": "property"}),
    R("property-detail", U, "hotels_write", CHAIN, kwargs={"pk": "property"}, data={"name": "Lisboa"}),
    R("property-detail", D, "hotels_write", CHAIN, kwargs={"pk": "property"}, data={"name": "Lisboa"}),
    # --- API: loyalty --------------------------------------------------------------------------
    R("tier-list", G, "loyalty_read"),
    R("tier-detail", G, "loyalty_read", CHAIN, kwargs={"pk": "tier"}),
    R("tier-detail", U, "loyalty_rules", CHAIN, kwargs={"pk": "tier"},
      data={"name": "Gold", "qualifying_nights": 24, "qualifying_spend": "30000", "earn_multiplier": "1.25"}),
    R("tier-detail", D, "loyalty_rules", CHAIN, kwargs={"pk": "tier"}, data={"qualifying_nights": 24}),
    R("membership-list", G, "loyalty_read"),
    R("membership-list", P, "loyalty_enrol", ok=201, data=lambda o: {"guest": o["guest"]}),
    R("membership-detail", G, "loyalty_read", CHAIN, kwargs={"pk": "membership"}),
    R("membership-explanation", G, "loyalty_read", CHAIN, kwargs={"pk": "membership"}),
    R("membership-transaction-list", G, "loyalty_read", CHAIN, kwargs={"membership_pk": "membership"}),
    R("membership-transaction-list", P, "loyalty_earn", CHAIN, ok=201, kwargs={"membership_pk": "membership"},
      data={"kind": "earn", "points": 300, "reason": "Airline partner"}, variant="earn"),
    R("membership-transaction-list", P, "loyalty_redeem", CHAIN, ok=201, kwargs={"membership_pk": "membership"},
      data={"kind": "redeem", "points": 300, "reason": "Towards the bill"}, variant="redeem"),
    R("membership-transaction-list", P, "loyalty_adjust", CHAIN, ok=201, kwargs={"membership_pk": "membership"},
      data={"kind": "adjust", "points": -300, "reason": "Duplicate posting"}, variant="adjust"),
    R("membership-redemption-list", G, "loyalty_read", CHAIN, kwargs={"membership_pk": "membership"}),
    R("membership-redemption-list", P, "loyalty_redeem", CHAIN, ok=201, kwargs={"membership_pk": "membership"},
      data={"reward": "authz-breakfast"}),
    R("membership-claim-list", G, "claims_read", CHAIN, kwargs={"membership_pk": "membership"}),
    R("membership-claim-list", P, "claims_file", INPUT, ok=201, kwargs={"membership_pk": "membership"},
      data=lambda o: {"property": o["code"], "confirmation_number": fresh()}),
    R("reward-list", G, "loyalty_read"),
    R("reward-list", P, "loyalty_rules", ok=201, data={"code": "spa", "name": "Spa", "points_cost": 800}),
    R("reward-detail", G, "loyalty_read", CHAIN, kwargs={"pk": "reward"}),
    R("reward-detail", U, "loyalty_rules", CHAIN, kwargs={"pk": "reward"},
      data={"code": "authz-breakfast", "name": "Breakfast", "points_cost": 900}),
    R("reward-detail", D, "loyalty_rules", CHAIN, kwargs={"pk": "reward"}, data={"points_cost": 900}),
    R("points-claim-list", G, "claims_read"),
    R("points-claim-detail", G, "claims_read", OBJECT, kwargs={"pk": "claim"}),
    R("points-claim-approve", P, "claims_decide", OBJECT, kwargs={"pk": "claim"}, data={"points": 300}),
    R("points-claim-reject", P, "claims_decide", OBJECT, kwargs={"pk": "claim"}, data={"decision_reason": "Partner hotel"}),
    # --- API: complaints -----------------------------------------------------------------------
    R("complaint-list", G, "complaints_read"),
    R("complaint-list", P, "complaints_log", INPUT, ok=201,
      data=lambda o: {"property": o["code"], "category": "service_quality", "description": "Noisy room"}),
    R("complaint-analysis", G, "complaints_stats"),
    R("complaint-detail", G, "complaints_read", OBJECT, kwargs={"pk": "complaint"}),
    R("complaint-timeline", G, "complaints_read", OBJECT, kwargs={"pk": "complaint"}),
    R("complaint-transition", P, "complaints_work", OBJECT, kwargs={"pk": "complaint"}, lookup_first=True,
      data=lambda o: {"to": "assigned", "assignee": o["users"][CHAIN_ADMIN]}),
    R("complaint-link-guest", P, "complaints_log", OBJECT, kwargs={"pk": "walkin_complaint"},
      data=lambda o: {"guest": o["stay_guest"]}),
    # --- API: segments, care, nightly, tokens --------------------------------------------------
    R("analytics-pyramid", G, "analytics"),
    R("analytics-pareto", G, "analytics"),
    R("segmentation-run-list", G, "analytics"),
    R("segmentation-run-detail", G, "analytics", CHAIN, kwargs={"pk": "run"}),
    R("churn-warning-list", G, "warnings_read"),
    R("churn-warning-lost-analysis", G, "lost_analysis"),
    R("churn-warning-detail", G, "warnings_read", OBJECT, kwargs={"pk": "warning"}),
    R("churn-warning-detail", D, "warnings_work", OBJECT, kwargs={"pk": "warning"}, lookup_first=True,
      data={"outcome": "contacted", "channel": "in_person"}, variant="outcome"),
    R("churn-warning-detail", D, "warnings_work", OBJECT, kwargs={"pk": "warning"}, lookup_first=True,
      data=lambda o: {"assigned_to": o["users"][SALES_MANAGER]}, variant="assign"),
    R("care-task-list", G, "care_read"),
    R("care-task-detail", G, "care_read", OBJECT, kwargs={"pk": "care_task"}),
    R("care-task-done", P, "care_work", OBJECT, kwargs={"pk": "care_task"}, data={"channel": "in_person"}),
    R("care-task-send-email", P, "care_work", OBJECT, kwargs={"pk": "care_task"}),
    R("survey-list", G, "surveys_read"),
    R("survey-list", P, "surveys_record", INPUT, ok=201, data=lambda o: {"stay": o["unsurveyed_stay"], "overall": 4}),
    R("survey-summary", G, "surveys_read"),
    R("survey-detail", G, "surveys_read", OBJECT, kwargs={"pk": "survey"}),
    R("nightly-run-list", G, "nightly"),
    R("nightly-run-list", P, "nightly", ok=202, data={"as_of": _day(-3)}),
    R("nightly-run-detail", G, "nightly", CHAIN, kwargs={"pk": "nightly_run"}),
    R("api-token-list", G, "tokens"),
    R("api-token-detail", G, "tokens", MINE, kwargs={"pk": "token"}),
    R("api-token-detail", DEL, "tokens", MINE, ok=204, kwargs={"pk": "token"}),
    # --- Pages: guests -------------------------------------------------------------------------
    R("guests:search", G, "guest_read", data={"q": "silva"}),
    R("guests:create", G, "guest_edit"),
    R("guests:create", P, "guest_edit", ok=302, data={"family_name_latin": "Santos"}),
    R("guests:detail", G, "guest_read", CHAIN, kwargs={"pk": "guest"}),
    R("guests:edit", G, "guest_edit", CHAIN, kwargs={"pk": "guest"}),
    R("guests:edit", P, "guest_edit", CHAIN, ok=302, kwargs={"pk": "guest"},
      data={"family_name_latin": "Souza", "given_name_latin": "Ana", "version": 1}),
    R("guests:export", G, "guest_export", CHAIN, kwargs={"pk": "guest"}),
    R("guests:erase", G, "guest_erase", CHAIN, kwargs={"pk": "guest"}),
    R("guests:erase", P, "guest_erase", CHAIN, ok=302, kwargs={"pk": "guest"}, data={"confirm": "ERASE", "reference": "DPR-2026-2"}),
    R("guests:audit-log", G, "guest_audit"),
    R("guests:inventory", G, "reference_read"),
    R("guests:consent-add", P, "consents_record", CHAIN, ok=302, kwargs={"pk": "guest"},
      data={"purpose": "marketing_sms", "granted": "true", "source": "desk"}),
    R("guests:audit", G, "guest_audit", CHAIN, kwargs={"pk": "guest"}),
    R("guests:merge", P, "guest_merge", CHAIN, ok=302, kwargs={"pk": "guest"}, data=lambda o: {"duplicate": o["duplicate"]}),
    R("guests:merge-detail", G, "guest_merge", CHAIN, kwargs={"merge_id": "merge"}),
    R("guests:merge-undo", P, "guest_merge", CHAIN, ok=302, kwargs={"merge_id": "merge"}),
    R("guests:preference-add", P, "guest_edit", CHAIN, ok=302, kwargs={"pk": "guest"},
      data=lambda o: {"preference_type": o["preference_type"], "source": "staff"}),
    R("guests:preference-remove", P, "guest_edit", CHAIN, ok=302, kwargs={"pk": "guest", "preference_id": "preference"}),
    R("guests:note-add", P, "guest_edit", CHAIN, ok=302, kwargs={"pk": "guest"}, data={"kind": "note", "text": "Hi"}),
    R("guests:note-deactivate", P, "guest_edit", CHAIN, ok=302, kwargs={"pk": "guest", "note_id": "note"}),
    R("guests:arrivals", G, "arrivals", INPUT, data=lambda o: {"property": o["code"], "date": _day()}),
    # --- Pages: loyalty ------------------------------------------------------------------------
    R("loyalty:members", G, "loyalty_read"),
    R("loyalty:membership", G, "loyalty_read", CHAIN, kwargs={"pk": "membership"}),
    R("loyalty:redeem", P, "loyalty_redeem", CHAIN, ok=302, kwargs={"pk": "membership"},
      data=lambda o: {"reward": o["reward"], "idempotency_key": fresh()}),
    R("loyalty:adjust", P, "loyalty_adjust", CHAIN, ok=302, kwargs={"pk": "membership"},
      data=lambda o: {"points": 100, "reason": "Goodwill", "idempotency_key": fresh()}),
    R("loyalty:claim-file", P, "claims_file", INPUT, ok=302, refused=302, kwargs={"pk": "membership"},
      data=lambda o: {"property": o["code"], "confirmation_number": fresh()}),
    R("loyalty:enrol", P, "loyalty_enrol", CHAIN, ok=302, kwargs={"guest_id": "guest"}),
    R("loyalty:claims", G, "claims_read"),
    R("loyalty:claim-decide", P, "claims_decide", OBJECT, ok=302, kwargs={"claim_id": "claim"},
      data={"decision": "reject", "reason": "Partner hotel"}),
    R("loyalty:tiers", G, "loyalty_read"),
    R("loyalty:tier-edit", G, "loyalty_rules", CHAIN, kwargs={"pk": "tier"}),
    R("loyalty:tier-edit", P, "loyalty_rules", CHAIN, ok=302, kwargs={"pk": "tier"},
      data={"name": "Gold", "qualifying_nights": 24, "qualifying_spend": "30000", "earn_multiplier": "1.25"}),
    # --- Pages: complaints ---------------------------------------------------------------------
    R("complaints:queue", G, "complaints_read"),
    R("complaints:my-queue", G, "complaints_work"),
    R("complaints:create", G, "complaints_log"),
    R("complaints:create", P, "complaints_log", INPUT, ok=302,
      data=lambda o: {"property": o["code"], "category": "service_quality", "severity": "medium",
                      "channel": "front_desk", "description": "Noisy room"}),
    R("complaints:analysis", G, "complaints_stats"),
    R("complaints:detail", G, "complaints_read", OBJECT, kwargs={"pk": "complaint"}),
    R("complaints:transition", P, "complaints_work", OBJECT, ok=302, kwargs={"pk": "complaint"}, lookup_first=True,
      data=lambda o: {"to": "assigned", "assignee": o["users"][CHAIN_ADMIN]}),
    R("complaints:link", P, "complaints_log", OBJECT, ok=302, kwargs={"pk": "walkin_complaint"},
      data=lambda o: {"confirmation_number": f"AZ-{'L' if o['code'] == 'LIS' else 'A'}-1"}),
    R("complaints:notification-ack", P, "notifications", MINE, ok=302, kwargs={"pk": "notification"}),
    # --- Pages: segments, care, nightly, tokens ------------------------------------------------
    R("analytics:dashboard", G, "analytics"),
    R("analytics:runs", G, "analytics"),
    R("analytics:segment-guests", G, "analytics", kwargs={"segment": "=small"}),
    R("analytics:export", G, "analytics", kwargs={"table": "=pyramid"}),
    R("care:care-list", G, "care_read"),
    R("care:care-list-export", G, "care_export", data={"channel": "email"}),
    R("care:care-list-build", P, "care_build", ok=302),
    R("care:care-task-done", P, "care_work", OBJECT, ok=302, kwargs={"pk": "care_task"}, data={"channel": "in_person"}),
    R("care:care-task-email", P, "care_work", OBJECT, ok=302, kwargs={"pk": "care_task"}),
    R("care:worklist", G, "warnings_work"),
    R("care:warning-detail", G, "warnings_work", OBJECT, kwargs={"pk": "warning"}),
    R("care:warning-assign", P, "warnings_work", OBJECT, ok=302, kwargs={"pk": "warning"},
      data=lambda o: {"assignee": o["users"][SALES_MANAGER]}),
    R("care:warning-outcome", P, "warnings_work", OBJECT, ok=302, kwargs={"pk": "warning"},
      data={"outcome": "contacted", "channel": "in_person"}),
    R("care:lost", G, "lost_analysis"),
    R("care:surveys", G, "surveys_read"),
    R("care:surveys", P, "surveys_record", INPUT, ok=302,
      data=lambda o: {"property": o["code"], "confirmation_number": f"AZ-{'L' if o['code'] == 'LIS' else 'A'}-2",
                      "overall": 4}),
    R("care:guest-survey-add", P, "surveys_record", INPUT, ok=302, refused=302, kwargs={"pk": "guest"},
      data=lambda o: {"stay": o["unsurveyed_stay"], "overall": 4}),
    R("nightly:runs", G, "nightly"),
    R("nightly:run-detail", G, "nightly", CHAIN, kwargs={"pk": "nightly_run"}),
    R("nightly:rerun", P, "nightly", ok=302, data={"as_of": _day(-3)}),
    R("tokens:list", G, "tokens"),
    R("tokens:revoke", P, "tokens", MINE, ok=302, kwargs={"pk": "token"}),
]
# fmt: on

# Routes the matrix does not walk, and why.
SKIPPED = {
    "home": "a redirect to the guest search",
    "health": "monitoring, no data",
    "login": "the log-in form",
    "logout": "ends the session",
    "password_change": "the user's own password",
    "set_language": "i18n",
    "api-token": "the token log-in (username and password)",
}
SKIPPED_PREFIXES = ("admin/", "static/")


def _gather_areas() -> None:
    from tests.authz import areas

    for module in areas.modules():
        CAPABILITIES.update(getattr(module, "CAPABILITIES", {}))
        ROUTES.extend(getattr(module, "ROUTES", []))
        SKIPPED.update(getattr(module, "SKIPPED", {}))


_gather_areas()
