"""Who may do what: salespeople change their own accounts (owner or team) and read the
rest; the director of sales changes and reassigns every account; a handover moves open
activities atomically; the front desk and guest relations have no account pages;
integrators read through the API."""

import pytest

from accounts import services
from accounts.models import Account, AccountContact, Activity, LevelChange
from accounts.roles import SALESPERSON
from crm_site import roles
from crm_site.errors import Forbidden
from tests.access import snapshot
from tests.factories import UserFactory

from .conftest import make_salesperson
from .factories import AccountFactory, ActivityFactory

pytestmark = pytest.mark.django_db

READERS = {SALESPERSON, roles.SALES_MANAGER, roles.CHAIN_ADMIN, roles.INTEGRATOR, roles.INTEGRATOR_READONLY}
PAGE_READERS = READERS - roles.API_ONLY_ROLES
ALL = [*roles.ROLES, SALESPERSON]


def _user(role, hotel):
    if role == SALESPERSON:
        return make_salesperson("role-rep", hotel)
    return UserFactory(username=f"role-{role}", roles=[role], properties=[hotel])


@pytest.mark.parametrize("role", ALL)
def test_who_reads_accounts(role, hotel, client, api):
    account = AccountFactory()
    user = _user(role, hotel)
    expected_api = 200 if role in READERS else 403
    assert api.as_user(user).get("/api/v1/accounts/").status_code == expected_api
    assert api.as_user(user).get(f"/api/v1/companies/{account.pk}/").status_code == expected_api
    client.force_login(user)
    expected_page = 200 if role in PAGE_READERS else 403
    for url in ("/accounts/", f"/accounts/{account.pk}/", "/accounts/board/", "/accounts/levels/"):
        assert client.get(url).status_code == expected_page, url


@pytest.mark.parametrize("role", ALL)
def test_who_creates_accounts(role, hotel, api):
    user = _user(role, hotel)
    data = {"name": "New Co"}
    if role in (roles.SALES_MANAGER, roles.CHAIN_ADMIN):
        data["owner"] = make_salesperson("owner-rep", hotel).pk
    response = api.as_user(user).post("/api/v1/accounts/", data)
    creators = {SALESPERSON, roles.SALES_MANAGER, roles.CHAIN_ADMIN}
    assert response.status_code == (201 if role in creators else 403), response.content
    assert Account.objects.filter(name="New Co").exists() == (role in creators)


def test_a_salesperson_changes_own_and_team_accounts_and_reads_the_rest(
    api, client, salesperson, other_salesperson, own_account, others_account
):
    rest = api.as_user(salesperson)
    assert rest.patch(f"/api/v1/accounts/{own_account.pk}/", {"notes": "Mine"}).status_code == 200
    before = snapshot([Account, LevelChange, AccountContact])
    refused = [
        rest.patch(f"/api/v1/accounts/{others_account.pk}/", {"notes": "Mine now"}),
        rest.post(f"/api/v1/accounts/{others_account.pk}/level/", {"level": "partner", "reason": "x"}),
        rest.post(f"/api/v1/accounts/{others_account.pk}/contacts/", {"name": "X", "role": "booker", "level": "low"}),
        rest.post(f"/api/v1/accounts/{others_account.pk}/milestones/", {"milestone": "identify-account"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.content
        assert "account" in response.json()["errors"]
    assert snapshot([Account, LevelChange, AccountContact]) == before
    # Read-only, but readable.
    assert rest.get(f"/api/v1/accounts/{others_account.pk}/").status_code == 200
    client.force_login(salesperson)
    page = client.get(f"/accounts/{others_account.pk}/contacts/")
    assert page.status_code == 200 and b'data-testid="read-only"' in page.content
    assert b'data-testid="contact-form"' not in page.content
    assert (
        client.post(
            f"/accounts/{others_account.pk}/contacts/add/", {"name": "X", "role": "booker", "level": "low"}
        ).status_code
        == 403
    )
    # On the team, the account is theirs to change too.
    services.team_member_add(
        account_id=others_account.pk, user=salesperson, role="property_sales", by=other_salesperson
    )
    assert rest.patch(f"/api/v1/accounts/{others_account.pk}/", {"notes": "Team work"}).status_code == 200


def test_the_director_changes_every_account_and_reassigns_it(
    api, director, salesperson, other_salesperson, own_account
):
    rest = api.as_user(director)
    assert rest.patch(f"/api/v1/accounts/{own_account.pk}/", {"notes": "Director"}).status_code == 200
    open_call = ActivityFactory(account=own_account, owner=salesperson)
    done_call = ActivityFactory(account=own_account, owner=salesperson, status="done", done_on=open_call.due_on)
    response = rest.post(f"/api/v1/accounts/{own_account.pk}/handover/", {"owner": other_salesperson.pk})
    assert response.status_code == 200 and response.json() == {"accounts": 1, "activities": 1}
    own_account.refresh_from_db(), open_call.refresh_from_db(), done_call.refresh_from_db()
    assert (own_account.owner, open_call.owner, done_call.owner) == (other_salesperson, other_salesperson, salesperson)
    assert own_account.events.filter(kind="owner").count() == 1


def test_a_salesperson_cannot_hand_over(api, salesperson, other_salesperson, own_account):
    response = api.as_user(salesperson).post(
        f"/api/v1/accounts/{own_account.pk}/handover/", {"owner": other_salesperson.pk}
    )
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        services.account_handover(account_ids=[own_account.pk], new_owner=other_salesperson, by=salesperson)
    own_account.refresh_from_db()
    assert own_account.owner == salesperson


def test_handover_to_someone_who_is_not_a_salesperson_names_the_owner(api, director, front_desk, own_account):
    response = api.as_user(director).post(f"/api/v1/accounts/{own_account.pk}/handover/", {"owner": front_desk.pk})
    assert response.status_code == 400 and "owner" in response.json()["errors"]


def test_a_handover_is_atomic_a_failure_midway_moves_nothing(
    monkeypatch, director, salesperson, other_salesperson, hotel
):
    first = AccountFactory(name="First", owner=salesperson)
    second = AccountFactory(name="Second", owner=salesperson)
    calls = [ActivityFactory(account=first, owner=salesperson), ActivityFactory(account=second, owner=salesperson)]
    from accounts.services import handover

    real = handover.record_event

    def fail_on_second(account, *args, **kwargs):
        if account.pk == second.pk:
            raise RuntimeError("the database went away")
        return real(account, *args, **kwargs)

    monkeypatch.setattr(handover, "record_event", fail_on_second)
    with pytest.raises(RuntimeError):
        services.account_handover(account_ids=[first.pk, second.pk], new_owner=other_salesperson, by=director)
    assert set(Account.objects.filter(pk__in=[first.pk, second.pk]).values_list("owner", flat=True)) == {salesperson.pk}
    assert set(Activity.objects.filter(pk__in=[c.pk for c in calls]).values_list("owner", flat=True)) == {
        salesperson.pk
    }


def test_bulk_handover_moves_a_salespersons_accounts_in_one_go(api, client, director, salesperson, other_salesperson):
    accounts = [AccountFactory(owner=salesperson) for _i in range(3)]
    ActivityFactory(account=accounts[0], owner=salesperson)
    response = api.as_user(director).post(
        "/api/v1/account-handover/",
        {"accounts": [a.pk for a in accounts[:2]], "owner": other_salesperson.pk},
        format="json",
    )
    assert response.json() == {"accounts": 2, "activities": 1}
    bad = api.as_user(director).post(
        "/api/v1/account-handover/", {"accounts": [999999], "owner": other_salesperson.pk}, format="json"
    )
    assert bad.status_code == 404 and "accounts" in bad.json()["errors"]
    client.force_login(director)
    page = client.post("/accounts/handover/", {"accounts": [accounts[2].pk], "owner": other_salesperson.pk})
    assert page.status_code == 302
    assert set(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("owner", flat=True)) == {
        other_salesperson.pk
    }


def test_the_navigation_shows_the_account_pages_to_sales_only(client, salesperson, front_desk):
    client.force_login(salesperson)
    html = client.get("/accounts/").content.decode()
    assert 'href="/accounts/agenda/"' in html and 'href="/accounts/board/"' in html
    client.force_login(front_desk)
    assert 'href="/accounts/"' not in client.get("/guests/").content.decode()


def test_the_salesperson_role_is_a_group_with_the_declared_permissions(salesperson):
    assert salesperson.has_perm("accounts.change_account")
    assert salesperson.has_perm("guests.view_guest")
    assert not salesperson.has_perm("accounts.direct_sales")
    assert not salesperson.has_perm("guests.view_stay")


def test_a_salesperson_works_every_part_of_an_own_account_and_none_of_anothers(
    api, client, salesperson, other_salesperson, own_account, others_account, hotel
):
    """The salesperson column the authorization matrix does not have (tests/authz has the
    six chain roles): what hangs under an account follows the account's owner and team."""
    from accounts.models import AccountExternalId, Agreement, Competitor

    from .factories import AgreementFactory

    theirs = AgreementFactory(account=others_account, property=hotel)
    rest = api.as_user(salesperson)
    agreement = {
        "property": hotel.code,
        "rate_code": "ACME",
        "valid_from": "2031-01-01",
        "valid_to": "2031-12-31",
        "rate_amount": "120",
    }
    writes = [
        ("post", "agreements/", agreement),
        ("post", "competitors/", {"name": "City Suites", "position": "ahead"}),
        ("post", "external-ids/", {"system": "pms", "external_id": "X-1"}),
        ("post", "activities/", {"kind": "call", "subject": "Call", "due_on": "2031-01-05"}),
        ("patch", "plan/", {"business_goals": "Grow"}),
    ]
    watched = [Account, Agreement, Competitor, AccountExternalId, Activity]
    before = snapshot(watched)
    for method, part, body in writes:
        response = getattr(rest, method)(f"/api/v1/accounts/{others_account.pk}/{part}", body, format="json")
        assert response.status_code == 403, (part, response.content)
    refused_patch = rest.patch(
        f"/api/v1/accounts/{others_account.pk}/agreements/{theirs.pk}/", {"notes": "x"}, format="json"
    )
    assert refused_patch.status_code == 403
    assert snapshot(watched) == before
    for method, part, body in writes:
        response = getattr(rest, method)(f"/api/v1/accounts/{own_account.pk}/{part}", body, format="json")
        assert response.status_code in (200, 201), (part, response.content)
    # Negotiated terms are operational amounts: the salesperson who negotiates them sees
    # them, on another's account too (read-only).  Salespeople also hold the revenue
    # permission, for the production of their accounts.
    assert salesperson.has_perm("guests.view_revenue")
    seen = rest.get(f"/api/v1/accounts/{others_account.pk}/agreements/{theirs.pk}/").json()
    assert seen["rate_amount"] == "150.00"
    # Directing is not theirs: no merge, no undo, no vocabularies, no bulk handover.
    duplicate = AccountFactory(name="Acme Travel Ltd", owner=salesperson)
    assert rest.post(f"/api/v1/accounts/{own_account.pk}/merge/", {"merged": duplicate.pk}).status_code == 403
    assert rest.post("/api/v1/value-drivers/", {"code": "spa", "name": "Spa"}).status_code == 403
    assert (
        rest.post("/api/v1/account-handover/", {"accounts": [own_account.pk], "owner": salesperson.pk}).status_code
        == 403
    )
    client.force_login(salesperson)
    assert client.post(f"/accounts/{own_account.pk}/merge/", {"merged": duplicate.pk}).status_code == 403
    assert client.get("/accounts/handover/").status_code == 403
    assert client.post("/accounts/settings/driver/", {"code": "spa", "name": "Spa"}).status_code == 403
    assert Account.objects.filter(pk=duplicate.pk, merged_into=None).exists()


def test_the_account_list_marks_what_a_salesperson_may_change(client, salesperson, own_account, others_account):
    client.force_login(salesperson)
    rows = {row["account"].pk: row["editable"] for row in client.get("/accounts/").context["rows"]}
    assert rows == {own_account.pk: True, others_account.pk: False}
    assert client.get(f"/accounts/{others_account.pk}/edit/").status_code == 403
    assert client.get(f"/accounts/{own_account.pk}/edit/").status_code == 200
