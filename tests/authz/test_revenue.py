"""Revenue is a permission (issue #10): without ``guests.view_revenue`` an amount is absent
— not zero, not null — from every API answer and page; the front desk cannot write one
either.  The last test seeds the demo chain and walks what the Lisbon front desk can
open, scanning every answer for amount fields and for the chain's own amounts."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints.models import Complaint
from crm_site import roles
from crm_site.revenue import all_revenue_fields
from guests.models import Guest, Stay
from loyalty.models import Membership
from tests.factories import UserFactory

from .chain import AMOUNT, OWN, build_chain

pytestmark = pytest.mark.django_db

STAY_AMOUNTS = {"room_revenue", "fnb_revenue", "other_revenue", "total_revenue"}
WITHOUT = [roles.FRONT_DESK, roles.GUEST_RELATIONS]
WITH = [roles.SALES_MANAGER, roles.CHAIN_ADMIN, roles.INTEGRATOR, roles.INTEGRATOR_READONLY]


@pytest.fixture
def chain(db):
    return build_chain()


@pytest.fixture
def user(django_user_model, chain):
    return lambda role: django_user_model.objects.get(username=role)


@pytest.mark.parametrize("role", WITHOUT + WITH)
def test_stay_amounts_follow_the_permission(role, api, user, chain):
    client = api.as_user(user(role))
    detail = client.get(f"/api/v1/stays/{chain[OWN]['stay']}/").json()
    listed = client.get("/api/v1/stays/").json()["results"]
    profile = client.get(f"/api/v1/guests/{chain[OWN]['stay_guest']}/profile/").json()
    if role in WITHOUT:
        assert not STAY_AMOUNTS & set(detail)
        assert all(not STAY_AMOUNTS & set(s) for s in listed + profile["stays"])
        assert set(profile["spend"]) == {"stays", "nights"}
    else:
        assert Decimal(detail["room_revenue"]) == AMOUNT and STAY_AMOUNTS <= set(detail)
        assert all(STAY_AMOUNTS <= set(s) for s in listed + profile["stays"])
        assert {"total", "currency"} <= set(profile["spend"])


def test_front_desk_writes_no_amounts(api, user, chain):
    client = api.as_user(user(roles.FRONT_DESK))
    stay = Stay.objects.get(pk=chain[OWN]["stay"])
    patched = client.patch(f"/api/v1/stays/{stay.pk}/", {"room_revenue": "1.00", "fnb_revenue": "2"}, format="json")
    assert patched.status_code == 400
    assert set(patched.json()["errors"]) == {"room_revenue", "fnb_revenue"}
    row = {
        "property": "LIS",
        "confirmation_number": stay.confirmation_number,
        "arrival_date": stay.arrival_date.isoformat(),
        "departure_date": stay.departure_date.isoformat(),
        "status": "checked_out",
        "room_number": "12",
    }
    put = client.put(f"/api/v1/stays/{stay.pk}/", row, format="json")
    assert put.status_code == 200 and not STAY_AMOUNTS & set(put.json())
    stay.refresh_from_db()
    assert stay.room_revenue == AMOUNT and stay.room_number == "12"  # a PUT keeps what the desk cannot see
    bulk = client.post("/api/v1/stays/bulk/", {"stays": [{**row, "confirmation_number": "N-1", "other_revenue": "9"}]})
    assert bulk.status_code == 400
    assert bulk.json()["rows"][0]["field"] == "other_revenue"
    assert not Stay.objects.filter(confirmation_number="N-1").exists()


def test_sales_writes_amounts(api, user, chain):
    client = api.as_user(user(roles.CHAIN_ADMIN))
    response = client.patch(f"/api/v1/stays/{chain[OWN]['stay']}/", {"room_revenue": "10.00"}, format="json")
    assert response.status_code == 200 and Decimal(response.json()["room_revenue"]) == Decimal("10.00")


def test_the_schema_documents_the_amounts(api, user):
    schema = api.as_user(user(roles.FRONT_DESK)).get("/api/schema/", {"format": "json"}).json()
    stay = schema["components"]["schemas"]["Stay"]["properties"]
    assert STAY_AMOUNTS <= set(stay)
    assert "revenue" in stay["room_revenue"]["description"]


def test_dashboards_need_the_revenue_permission(api, client, chain):
    lis = Stay.objects.get(pk=chain[OWN]["stay"]).property
    analyst = UserFactory(username="analyst", roles=[roles.GUEST_RELATIONS], properties=[lis])
    from django.contrib.auth.models import Permission

    analyst.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(analyst)
    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/export/pyramid.csv").status_code == 403
    assert api.as_user(analyst).get("/api/v1/analytics/pyramid/").status_code == 403


# --- The front desk, walked through a seeded chain ----------------------------------------------

CURRENCY_AMOUNT = re.compile(r"\d[\d,\u00a0\u202f]*\.\d{2}\s?(?:EUR|CNY|USD|GBP)\b")


def _amount_names() -> set[str]:
    names = {f for fields in all_revenue_fields().values() for f in fields}
    return names | {"spend_to_go", "revenue"}


def _keys(value) -> set[str]:
    """The keys holding a single value (an amount is one), at any depth."""
    if isinstance(value, dict):
        return {k for k, v in value.items() if not isinstance(v, dict | list)} | {
            k for v in value.values() for k in _keys(v)
        }
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _stay_amounts() -> set[str]:
    """The chain's own stay amounts, as the API and the pages would write them."""
    values = set()
    for amount in Stay.objects.exclude(total_revenue__lt=100).values_list("total_revenue", flat=True):
        if amount != amount.to_integral_value():
            values |= {f"{amount:.2f}", f"{amount:,.2f}"}
    return values


def _front_desk_urls(desk) -> tuple[list[str], list[str]]:
    lis_guests = list(
        Guest.objects.filter(stays__property__code="LIS").distinct().order_by("pk").values_list("pk", flat=True)[:15]
    )
    members = list(Membership.objects.filter(guest_id__in=lis_guests).values_list("pk", flat=True))
    complaints = list(Complaint.objects.filter(property__code="LIS").values_list("pk", flat=True)[:10])
    stays = list(Stay.objects.filter(property__code="LIS").values_list("pk", flat=True)[:10])
    pages = ["/guests/?q=a", "/guests/arrivals/", "/loyalty/members/", "/loyalty/claims/?all=1", "/loyalty/tiers/"]
    pages += ["/complaints/?status=closed&status=resolved", "/care/?status=all", "/care/surveys/"]
    pages += [reverse("guests:detail", args=[g]) for g in lis_guests]
    pages += [reverse("loyalty:membership", args=[m]) for m in members]
    pages += [reverse("complaints:detail", args=[c]) for c in complaints]
    apis = ["/api/v1/stays/?page_size=200", "/api/v1/memberships/", "/api/v1/complaints/", "/api/v1/care-tasks/"]
    apis += ["/api/v1/churn-warnings/?status=all", "/api/v1/surveys/", "/api/v1/points-claims/"]
    apis += [f"/api/v1/guests/{g}/profile/" for g in lis_guests] + [f"/api/v1/stays/{s}/" for s in stays]
    for m in members:
        apis += [f"/api/v1/memberships/{m}/", f"/api/v1/memberships/{m}/transactions/"]
        apis += [f"/api/v1/memberships/{m}/explanation/", f"/api/v1/memberships/{m}/redemptions/"]
    return pages, apis


def test_front_desk_sees_no_amount_anywhere(client, api, settings):
    call_command("seed_demo", "--guests", "40", "--seed", "11", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("run_nightly", stdout=open("/dev/null", "w"))  # noqa: SIM115
    desk = Guest._meta.apps.get_model("auth", "User").objects.get(username="desk")
    pages, apis = _front_desk_urls(desk)
    assert len(pages) > 20 and len(apis) > 20
    amounts = _stay_amounts()
    assert amounts, "the demo chain has amounts to look for"
    operational = {f"{c:.2f}" for c in Complaint.objects.values_list("compensation_money", flat=True) if c}
    names = _amount_names()
    client.force_login(desk)
    leaks = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        found = {m for m in CURRENCY_AMOUNT.findall(html) if m.split()[0].replace(",", "") not in operational}
        found |= {a for a in amounts if a in html}
        leaks += [f"{url}: {sorted(found)[:3]}"] if found else []
    client_api = api.as_user(desk)
    for url in apis:
        response = client_api.get(url)
        assert response.status_code == 200, url
        body = response.json()
        text = json.dumps(body)
        found = (_keys(body) & names) | {a for a in amounts if f'"{a}"' in text} | set(CURRENCY_AMOUNT.findall(text))
        leaks += [f"{url}: {sorted(found)[:3]}"] if found else []
    assert not leaks, leaks
    # The same walk as a sales manager does show amounts: the scan can see them.
    sales = Guest._meta.apps.get_model("auth", "User").objects.get(username="sales")
    seen = api.as_user(sales).get("/api/v1/stays/?page_size=200").json()["results"]
    assert any(f'"{a}"' in json.dumps(seen) for a in amounts)
    client.force_login(sales)
    guest_pages = [u for u in pages if re.fullmatch(r"/guests/\d+/", u)]
    assert any(CURRENCY_AMOUNT.search(client.get(u).content.decode()) for u in guest_pages)
