"""Who may do what with guests, stays, arrivals and properties — API and pages.

The policy is written here as data, independently of ``guests/roles.py``: granting a
role something new must be a deliberate change to both.
"""

import datetime as dt

import pytest

from crm_site.roles import CHAIN_ADMIN, FRONT_DESK, GUEST_RELATIONS, INTEGRATOR
from crm_site.tokens.services import token_issue
from guests.models import Guest, GuestNote, GuestPreference, Property, Stay
from tests.access import ALL_ROLES, Access, matrix
from tests.factories import CompanyFactory, GuestFactory, PreferenceTypeFactory, StayFactory
from tests.guests.factories import desk_stay_row, stay_row

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(ALL_ROLES)
PROFILE_EDITORS = frozenset({FRONT_DESK, GUEST_RELATIONS, CHAIN_ADMIN, INTEGRATOR})
STAY_WRITERS = frozenset({FRONT_DESK, CHAIN_ADMIN, INTEGRATOR})
ADMINS = frozenset({CHAIN_ADMIN})


@pytest.fixture
def ids(hotel, other_hotel):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana")
    stay = StayFactory(guest=guest, property=hotel, confirmation_number="PERM-1")
    PreferenceTypeFactory(code="perm-pillow")
    return {"guest": guest.pk, "stay": stay.pk, "property": hotel.pk, "company": CompanyFactory().pk}


API = [
    Access("guest-list", "get", "/api/v1/guests/", EVERYONE),
    Access("guest-search", "get", "/api/v1/guests/?q=silva", EVERYONE),
    Access("guest-retrieve", "get", "/api/v1/guests/{guest}/", EVERYONE),
    Access("guest-profile", "get", "/api/v1/guests/{guest}/profile/", EVERYONE),
    Access("guest-create", "post", "/api/v1/guests/", PROFILE_EDITORS, {"family_name": "Santos"}, 201, watch=(Guest,)),
    Access(
        "guest-update",
        "patch",
        "/api/v1/guests/{guest}/",
        PROFILE_EDITORS,
        {"notes": "VIP", "version": 1},
        watch=(Guest,),
    ),
    Access("preference-list", "get", "/api/v1/guests/{guest}/preferences/", EVERYONE),
    Access(
        "preference-create",
        "post",
        "/api/v1/guests/{guest}/preferences/",
        PROFILE_EDITORS,
        {"preference_type": "perm-pillow"},
        201,
        watch=(GuestPreference,),
    ),
    Access("stay-list", "get", "/api/v1/stays/", EVERYONE),
    Access("stay-retrieve", "get", "/api/v1/stays/{stay}/", EVERYONE),
    Access(
        "stay-create",
        "post",
        "/api/v1/stays/",
        STAY_WRITERS,
        lambda ids: desk_stay_row(confirmation_number="NEW-1", guest=ids["guest"]),
        201,
        watch=(Stay,),
    ),
    Access(
        "stay-bulk",
        "post",
        "/api/v1/stays/bulk/",
        STAY_WRITERS,
        {"stays": [desk_stay_row(confirmation_number="BULK-1")]},
        watch=(Stay,),
    ),
    Access("stay-update", "patch", "/api/v1/stays/{stay}/", STAY_WRITERS, {"room_number": "101"}, watch=(Stay,)),
    Access("arrivals", "get", "/api/v1/arrivals/?property=LIS&date=2026-01-10", EVERYONE),
    Access("property-list", "get", "/api/v1/properties/", EVERYONE),
    Access(
        "property-create",
        "post",
        "/api/v1/properties/",
        ADMINS,
        {"code": "OPO", "name": "Porto"},
        201,
        watch=(Property,),
    ),
    Access("property-update", "patch", "/api/v1/properties/{property}/", ADMINS, {"name": "Lisboa"}, watch=(Property,)),
]

PAGES = [
    Access("search", "get", "/guests/?q=silva", EVERYONE),
    Access("detail", "get", "/guests/{guest}/", EVERYONE),
    Access("arrivals", "get", "/guests/arrivals/?property=LIS&date=2026-01-10", EVERYONE),
    Access("create-form", "get", "/guests/new/", PROFILE_EDITORS),
    Access("create", "post", "/guests/new/", PROFILE_EDITORS, {"family_name_latin": "Santos"}, 302, watch=(Guest,)),
    Access("edit-form", "get", "/guests/{guest}/edit/", PROFILE_EDITORS),
    Access(
        "edit",
        "post",
        "/guests/{guest}/edit/",
        PROFILE_EDITORS,
        {"family_name_latin": "Souza", "given_name_latin": "Ana", "version": 1},
        302,
        watch=(Guest,),
    ),
    Access(
        "preference-add",
        "post",
        "/guests/{guest}/preferences/",
        PROFILE_EDITORS,
        lambda ids: {"preference_type": PreferenceTypeFactory(code="perm-pillow").pk, "source": "staff"},
        302,
        watch=(GuestPreference,),
    ),
    Access(
        "note-add",
        "post",
        "/guests/{guest}/notes/",
        PROFILE_EDITORS,
        {"kind": "note", "text": "Hi"},
        302,
        watch=(GuestNote,),
    ),
]


@pytest.mark.parametrize(("access", "role"), matrix(API))
def test_api_access_by_role(access, role, api, ids, request):
    access.check(api.as_user(request.getfixturevalue(role)), role, ids)


@pytest.mark.parametrize("access", [pytest.param(a, id=a.name) for a in API])
def test_api_refuses_anonymous(access, api, ids):
    response = access.check(api, None, ids, denied_status=401)
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(("access", "role"), matrix(PAGES))
def test_page_access_by_role(access, role, client, ids, request):
    client.force_login(request.getfixturevalue(role))
    access.check(client, role, ids)


@pytest.mark.parametrize("access", [pytest.param(a, id=a.name) for a in PAGES])
def test_pages_send_anonymous_to_login(access, client, ids):
    response = access.check(client, None, ids, denied_status=302)
    assert response["Location"].startswith("/login/?next=")


# --- Property scope and tokens ------------------------------------------------------------


@pytest.mark.parametrize("role", ["front_desk", "guest_relations"])
def test_property_bound_roles_see_arrivals_of_their_own_properties_only(role, api, request, hotel, other_hotel):
    user = request.getfixturevalue(role)
    StayFactory(property=other_hotel, arrival_date=dt.date(2026, 1, 10), status=Stay.Status.RESERVED)
    response = api.as_user(user).get("/api/v1/arrivals/", {"property": "ALG", "date": "2026-01-10"})
    assert response.status_code == 400
    assert "property" in response.json()["errors"]
    assert api.as_user(user).get("/api/v1/arrivals/", {"property": "LIS", "date": "2026-01-10"}).status_code == 200


def test_front_desk_arrivals_page_offers_only_own_properties(client, front_desk, hotel, other_hotel):
    client.force_login(front_desk)
    response = client.get("/guests/arrivals/", {"property": "ALG", "date": "2026-01-10"})
    assert "property" in response.context["form"].errors
    assert list(response.context["form"].fields["property"].queryset) == [hotel]


@pytest.mark.parametrize("role", ["sales_manager", "chain_admin", "integrator", "integrator_readonly"])
def test_chain_wide_roles_see_arrivals_of_every_property(role, api, request, hotel, other_hotel):
    response = api.as_user(request.getfixturevalue(role)).get(
        "/api/v1/arrivals/", {"property": "ALG", "date": "2026-01-10"}
    )
    assert response.status_code == 200


def test_readonly_integrator_token_reads_but_cannot_write(client, integrator_readonly, ids):
    _token, secret = token_issue(user=integrator_readonly)
    auth = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    assert client.get("/api/v1/guests/", **auth).status_code == 200
    before = list(Guest.objects.values()), list(Stay.objects.values())
    writes = [
        client.post("/api/v1/guests/", {"family_name": "X"}, content_type="application/json", **auth),
        client.patch(
            f"/api/v1/guests/{ids['guest']}/", {"notes": "x", "version": 1}, content_type="application/json", **auth
        ),
        client.post("/api/v1/stays/", stay_row(), content_type="application/json", **auth),
        client.post("/api/v1/stays/bulk/", {"stays": [stay_row()]}, content_type="application/json", **auth),
    ]
    assert [w.status_code for w in writes] == [403] * 4
    assert (list(Guest.objects.values()), list(Stay.objects.values())) == before


def test_token_endpoint_issues_a_working_token(client, integrator):
    response = client.post("/api/v1/auth/token/", {"username": "integrator", "password": "pass12345!"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get("/api/v1/guests/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    bad = client.post("/api/v1/auth/token/", {"username": "integrator", "password": "wrong"})
    assert bad.status_code == 400


def test_user_without_role_is_refused_everywhere(client, api, ids):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    assert api.as_user(nobody).get("/api/v1/guests/").status_code == 403
    client.force_login(nobody)
    assert client.get("/guests/").status_code == 403
    assert client.get(f"/guests/{ids['guest']}/").status_code == 403
