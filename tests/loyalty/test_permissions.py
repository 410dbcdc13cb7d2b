"""Who may do what in the loyalty programme — API and pages.

The policy is written here as data, independently of ``loyalty/roles.py``: front desk
views, enrols and redeems; guest relations also decides claims; only chain admins
adjust and change tiers and rewards; the integrator reads, enrols and posts earned
points; sales and the read-only integrator only read.
"""

import datetime as dt
import itertools

import pytest

from crm_site.roles import CHAIN_ADMIN, FRONT_DESK, GUEST_RELATIONS, INTEGRATOR
from loyalty.models import Membership, MissingPointsClaim, PointsTransaction, Redemption, Reward, Tier
from tests.access import ALL_ROLES, Access, matrix
from tests.factories import GuestFactory, StayFactory

from .factories import MissingPointsClaimFactory, RewardFactory, give_points

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(ALL_ROLES)
DESK = frozenset({FRONT_DESK, GUEST_RELATIONS, CHAIN_ADMIN})
ENROLLERS = DESK | {INTEGRATOR}
EARNERS = frozenset({CHAIN_ADMIN, INTEGRATOR})
DECIDERS = frozenset({GUEST_RELATIONS, CHAIN_ADMIN})
ADMINS = frozenset({CHAIN_ADMIN})
LEDGER = (PointsTransaction, Membership)
_keys = itertools.count()


def keyed():
    """A fresh Idempotency-Key per request (the matrix runs each access per role)."""
    return {"HTTP_IDEMPOTENCY_KEY": f"perm-{next(_keys)}"}


class KeyedAccess(Access):
    def request(self, client, ids):
        data = self.data(ids) if callable(self.data) else self.data
        return getattr(client, self.method)(self.path.format(**ids), data, format="json", **keyed())


@pytest.fixture
def ids(member, hotel, tiers):
    membership = member()
    give_points(membership, 5000)
    stay = StayFactory(guest=membership.guest, property=hotel, arrival_date=dt.date(2015, 4, 1))
    claim = MissingPointsClaimFactory(membership=membership, property=hotel)
    return {
        "membership": membership.pk,
        "stay": stay.pk,
        "guest": GuestFactory().pk,
        "member_guest": membership.guest_id,
        "reward": RewardFactory(code="perm-breakfast", points_cost=1000).pk,
        "tier": tiers["gold"].pk,
        "claim": claim.pk,
        "hotel": hotel.code,
    }


API = [
    Access("tier-list", "get", "/api/v1/tiers/", EVERYONE),
    Access("tier-update", "patch", "/api/v1/tiers/{tier}/", ADMINS, {"qualifying_nights": 24}, watch=(Tier,)),
    Access("membership-list", "get", "/api/v1/memberships/?tier=member", EVERYONE),
    Access("membership-detail", "get", "/api/v1/memberships/{membership}/", EVERYONE),
    Access("membership-explanation", "get", "/api/v1/memberships/{membership}/explanation/", EVERYONE),
    KeyedAccess(
        "enrol",
        "post",
        "/api/v1/memberships/",
        ENROLLERS,
        lambda ids: {"guest": ids["guest"]},
        201,
        watch=(Membership,),
    ),
    Access("ledger", "get", "/api/v1/memberships/{membership}/transactions/", EVERYONE),
    KeyedAccess(
        "earn-stay",
        "post",
        "/api/v1/memberships/{membership}/transactions/",
        EARNERS,
        lambda ids: {"kind": "earn", "stay": ids["stay"]},
        201,
        watch=LEDGER,
    ),
    KeyedAccess(
        "earn-partner",
        "post",
        "/api/v1/memberships/{membership}/transactions/",
        EARNERS,
        {"kind": "earn", "points": 300, "reason": "Airline partner"},
        201,
        watch=LEDGER,
    ),
    KeyedAccess(
        "redeem-points",
        "post",
        "/api/v1/memberships/{membership}/transactions/",
        DESK,
        {"kind": "redeem", "points": 300, "reason": "Towards the bill"},
        201,
        watch=LEDGER,
    ),
    KeyedAccess(
        "adjust",
        "post",
        "/api/v1/memberships/{membership}/transactions/",
        ADMINS,
        {"kind": "adjust", "points": -300, "reason": "Duplicate posting"},
        201,
        watch=LEDGER,
    ),
    Access("redemption-list", "get", "/api/v1/memberships/{membership}/redemptions/", EVERYONE),
    KeyedAccess(
        "redeem-reward",
        "post",
        "/api/v1/memberships/{membership}/redemptions/",
        DESK,
        {"reward": "perm-breakfast"},
        201,
        watch=(Redemption, *LEDGER),
    ),
    Access("reward-list", "get", "/api/v1/rewards/", EVERYONE),
    Access(
        "reward-create",
        "post",
        "/api/v1/rewards/",
        ADMINS,
        {"code": "spa", "name": "Spa", "points_cost": 800},
        201,
        watch=(Reward,),
    ),
    Access("claim-list", "get", "/api/v1/points-claims/", EVERYONE),
    KeyedAccess(
        "claim-file",
        "post",
        "/api/v1/memberships/{membership}/claims/",
        DESK,
        lambda ids: {"property": ids["hotel"], "confirmation_number": "PERM-MISSING"},
        201,
        watch=(MissingPointsClaim,),
    ),
    Access(
        "claim-reject",
        "post",
        "/api/v1/points-claims/{claim}/reject/",
        DECIDERS,
        {"decision_reason": "Partner hotel"},
        watch=(MissingPointsClaim,),
    ),
]

PAGES = [
    Access("members", "get", "/loyalty/members/?tier=member", EVERYONE),
    Access("ledger", "get", "/loyalty/members/{membership}/", EVERYONE),
    Access("tiers", "get", "/loyalty/tiers/", EVERYONE),
    Access("claims", "get", "/loyalty/claims/", EVERYONE),
    Access("guest-page", "get", "/guests/{member_guest}/", EVERYONE),
    Access("enrol", "post", "/loyalty/guests/{guest}/enrol/", ENROLLERS, {}, 302, watch=(Membership,)),
    Access(
        "redeem",
        "post",
        "/loyalty/members/{membership}/redeem/",
        DESK,
        lambda ids: {"reward": ids["reward"], "idempotency_key": f"page-{next(_keys)}", "confirmed": "yes"},
        302,
        watch=(Redemption, *LEDGER),
    ),
    Access(
        "adjust",
        "post",
        "/loyalty/members/{membership}/adjust/",
        ADMINS,
        lambda ids: {"points": 100, "reason": "Goodwill", "idempotency_key": f"page-{next(_keys)}"},
        302,
        watch=LEDGER,
    ),
    Access(
        "claim-file",
        "post",
        "/loyalty/members/{membership}/claims/",
        DESK,
        lambda ids: {"property": ids["hotel"], "confirmation_number": "PAGE-MISSING"},
        302,
        watch=(MissingPointsClaim,),
    ),
    Access(
        "claim-decide",
        "post",
        "/loyalty/claims/{claim}/decide/",
        DECIDERS,
        {"decision": "reject", "reason": "Partner hotel"},
        302,
        watch=(MissingPointsClaim,),
    ),
    Access("tier-edit-form", "get", "/loyalty/tiers/{tier}/edit/", ADMINS),
    Access(
        "tier-edit",
        "post",
        "/loyalty/tiers/{tier}/edit/",
        ADMINS,
        {"name": "Gold", "qualifying_nights": 24, "qualifying_spend": "30000", "earn_multiplier": "1.25"},
        302,
        watch=(Tier,),
    ),
]


@pytest.mark.parametrize(("access", "role"), matrix(API))
def test_api_access_by_role(access, role, api, ids, request):
    access.check(api.as_user(request.getfixturevalue(role)), role, ids)


@pytest.mark.parametrize("access", [pytest.param(a, id=a.name) for a in API])
def test_api_refuses_anonymous(access, api, ids):
    access.check(api, None, ids, denied_status=401)


@pytest.mark.parametrize(("access", "role"), matrix(PAGES))
def test_page_access_by_role(access, role, client, ids, request):
    client.force_login(request.getfixturevalue(role))
    access.check(client, role, ids)


@pytest.mark.parametrize("access", [pytest.param(a, id=a.name) for a in PAGES])
def test_pages_send_anonymous_to_login(access, client, ids):
    response = access.check(client, None, ids, denied_status=302)
    assert response["Location"].startswith("/login/?next=")
