"""Exact query counts of the hot endpoints, locked in ``tests/query_counts.json``.

Guest search, the guest 360 (page and API) and its stay history pages, arrivals (page and API),
the daily lists, bulk stay ingestion, the key accounts' list, account page and contacts map
(page and API), the guest-level rates report and the facts refresh a stay write queues
(``performance.tasks.refresh_stay_facts``, run directly) each run a fixed number of queries whatever the data's size.  A change that
adds one fails here: if it is meant, raise the figure in ``tests/query_counts.json``
and say why in the commit message.  Counts are per database (PostgreSQL and SQLite plan
some reads differently) and measured on a warm second request.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests.models import GuestNote, Stay
from tests.factories import GuestFactory, GuestNoteFactory, GuestPreferenceFactory, PreferenceTypeFactory, StayFactory
from tests.guests.factories import chinese_guest, stay_row

pytestmark = pytest.mark.django_db

BASELINE = Path(__file__).with_name("query_counts.json")
DAY = dt.date(2026, 5, 1)
CASES = (
    "guest_search_api",
    "guest_search_page",
    "guest_360_api",
    "guest_360_page",
    "guest_stays_page",
    "arrivals_api",
    "arrivals_page",
    "in_house_api",
    "departures_page",
    "arrivals_print",
    "arrivals_csv",
    "stays_bulk_create",
    "stays_bulk_resend",
    "stays_bulk_update",
    "account_list_api",
    "account_list_page",
    "account_detail_api",
    "account_detail_page",
    "account_contacts_page",
    "account_production_api",
    "account_pareto_api",
    "scorecards_api",
    "performance_guest_rates_api",
    "performance_facts_refresh",
)


@pytest.fixture(autouse=True)
def permission_cache(settings):
    """As in production: a page's user has their permissions cached (crm_site.session_perms)."""
    from crm_site import session_perms

    settings.PERMISSION_CACHE_SECONDS = 5
    session_perms.checked_sessions.forget()
    yield
    session_perms.checked_sessions.forget()


def baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def test_the_baseline_has_every_case_for_every_database():
    counts = baseline()
    assert set(counts) == {"postgresql", "sqlite"}
    for vendor in counts.values():
        assert set(vendor) == set(CASES)
        assert all(isinstance(n, int) and n > 0 for n in vendor.values())


def _guest_with_history(hotel, other_hotel, types, *, name):
    guest = chinese_guest(given_name=name)
    for i in range(6):
        StayFactory(
            guest=guest, property=hotel if i % 2 else other_hotel, arrival_date=DAY - dt.timedelta(days=30 * (i + 1))
        )
    for ptype in types:
        GuestPreferenceFactory(guest=guest, preference_type=ptype, source_property=hotel)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text="Nut allergy", property=hotel)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.NOTE, text="Prefers tea", property=hotel)
    return guest


@pytest.fixture
def chain(hotel, other_hotel):
    """Several namesakes with history, a day of arrivals with preferences and alerts."""
    types = [PreferenceTypeFactory(code=f"qc-{i}") for i in range(3)]
    guests = [_guest_with_history(hotel, other_hotel, types, name=name) for name in ("伟", "伟", "娜", "强")]
    for i, guest in enumerate([*guests, GuestFactory(), None]):
        StayFactory(guest=guest, property=hotel, arrival_date=DAY, confirmation_number=f"ARR{i}", status="reserved")
    return {"guest": guests[0], "account": _account_group(hotel, other_hotel)}


def _account_group(hotel, other_hotel) -> int:
    """A group of three accounts with attributed stays and a signed agreement."""
    from tests.accounts.conftest import make_salesperson
    from tests.accounts.factories import AccountFactory, AgreementFactory

    reps = [make_salesperson(f"qc-rep-{i}", hotel) for i in range(2)]
    parent = AccountFactory(name="QC Group")
    children = [AccountFactory(name=f"QC {i}", parent=parent, owner=reps[i]) for i in range(2)]
    AgreementFactory(account=children[0], property=hotel, rate_code="QC")
    for i in range(6):
        StayFactory(
            property=(hotel, other_hotel)[i % 2],
            arrival_date=DAY - dt.timedelta(days=20 * i),
            company_account=children[i % 2],
            rate_code="QC",
            status="checked_out",
        )
    return parent.pk


def _bulk(prefix: str, guest_id: int, revenue: str = "300.00"):
    """50 stays at two hotels, half of them with a guest."""
    return {
        "stays": [
            stay_row(
                property=("LIS", "ALG")[i % 2],
                confirmation_number=f"{prefix}{i:03d}",
                room_revenue=revenue,
                guest=guest_id if i % 2 else None,
            )
            for i in range(50)
        ]
    }


@pytest.fixture
def accounts(hotel, chain):
    """Key accounts with what their list and 360 show: owners, a group, contacts (guests
    and contact-only people), milestones, agreements, activities."""
    from accounts import services as account_services
    from tests.accounts.conftest import make_salesperson
    from tests.accounts.factories import AccountFactory, ActivityFactory, AgreementFactory, ContactFactory

    reps = [make_salesperson(f"qc-rep{i}", hotel) for i in range(2)]
    group = AccountFactory(name="Acme Group", owner=reps[0])
    rows = [AccountFactory(name=f"Acme {i}", owner=reps[i % 2], parent=group) for i in range(4)]
    for account in [group, *rows]:
        ContactFactory(account=account, guest=chain["guest"], name="", level="high", role="decision_maker")
        ContactFactory(account=account, name="Li Wei", email="li@acme.example")
        AgreementFactory(account=account, property=hotel)
        ActivityFactory(account=account, owner=account.owner)
        account_services.milestone_tick(account_id=account.pk, milestone="identify-account")
        account_services.team_member_add(account_id=account.pk, user=reps[1], role="revenue_manager")
    return {"account": group}


@pytest.fixture
def run(client, api, front_desk, chain_admin, sales_manager, integrator, chain, accounts):
    """``run(case)`` makes the case's request once; the test measures the second."""
    guest = chain["guest"]
    desk_api, admin_api, pms = (
        api.__class__(),
        api.__class__(),
        api.__class__(),
    )
    desk_api.force_authenticate(front_desk)
    admin_api.force_authenticate(chain_admin)
    pms.force_authenticate(integrator)
    client.force_login(front_desk)
    sales_api, sales_page = api.__class__(), client.__class__()
    sales_api.force_authenticate(sales_manager)
    sales_page.force_login(sales_manager)
    account = accounts["account"].pk
    arrivals = {"property": "LIS", "date": DAY.isoformat()}
    requests = {
        "guest_search_api": lambda: desk_api.get("/api/v1/guests/", {"q": "zhang wei"}),
        "guest_search_page": lambda: client.get("/guests/", {"q": "zhang wei"}),
        "guest_360_api": lambda: admin_api.get(f"/api/v1/guests/{guest.pk}/profile/"),
        "guest_360_page": lambda: client.get(f"/guests/{guest.pk}/"),
        "guest_stays_page": lambda: client.get(f"/guests/{guest.pk}/stays/", {"page": 2, "status": "checked_out"}),
        "arrivals_api": lambda: desk_api.get("/api/v1/arrivals/", arrivals),
        "arrivals_page": lambda: client.get("/guests/arrivals/", arrivals),
        # Who stayed the night of an earlier day: the guests' stays at this hotel.
        "in_house_api": lambda: desk_api.get(
            "/api/v1/in-house/", {"property": "LIS", "date": (DAY - dt.timedelta(days=59)).isoformat()}
        ),
        "departures_page": lambda: client.get("/guests/departures/", arrivals),
        "arrivals_print": lambda: client.get("/guests/lists/arrivals/print/", arrivals),
        "arrivals_csv": lambda: client.get("/guests/lists/arrivals/csv/", arrivals),
        "stays_bulk_create": lambda: pms.post(
            "/api/v1/stays/bulk/", _bulk(f"C{next(serial)}-", guest.pk), format="json"
        ),
        "stays_bulk_resend": lambda: pms.post("/api/v1/stays/bulk/", _bulk("R-", guest.pk), format="json"),
        "stays_bulk_update": lambda: pms.post(
            "/api/v1/stays/bulk/", _bulk("U-", guest.pk, revenue=f"{next(serial)}.00"), format="json"
        ),
        "account_list_api": lambda: sales_api.get("/api/v1/accounts/"),
        "account_list_page": lambda: sales_page.get("/accounts/"),
        "account_detail_api": lambda: sales_api.get(f"/api/v1/accounts/{account}/"),
        "account_detail_page": lambda: sales_page.get(f"/accounts/{account}/"),
        "account_contacts_page": lambda: sales_page.get(f"/accounts/{account}/contacts/"),
        "account_production_api": lambda: admin_api.get(f"/api/v1/accounts/{chain['account']}/production/?year=2026"),
        "account_pareto_api": lambda: admin_api.get("/api/v1/account-pareto/?start=2026-01-01&end=2027-01-01"),
        "scorecards_api": lambda: admin_api.get("/api/v1/scorecards/?month=2026-04"),
        "performance_guest_rates_api": lambda: admin_api.get(
            "/api/v1/analytics/performance/guest-rates/?start=2025-05-01&end=2026-04-30"
        ),
    }
    serial = iter(range(100, 1000))
    refreshed = list(Stay.objects.filter(guest=guest).values_list("pk", flat=True))
    requests["performance_facts_refresh"] = lambda: _refresh_facts(refreshed, next(serial))

    def measure(case: str) -> tuple[int, list[str]]:
        warm = requests[case]()
        assert warm.status_code == 200, warm.content[:500]
        with CaptureQueriesContext(connection) as ctx:
            response = requests[case]()
        assert response.status_code == 200, response.content[:500]
        return len(ctx.captured_queries), [q["sql"][:200] for q in ctx.captured_queries]

    return measure


class _Done:
    status_code = 200


def _refresh_facts(stay_ids: list[int], revenue: int) -> _Done:
    """The guest's stays have new amounts; the task moves the facts (and journeys) by the change."""
    from performance.tasks import refresh_stay_facts

    Stay.objects.filter(pk__in=stay_ids).update(room_revenue=revenue)
    result = refresh_stay_facts.run(stay_ids)
    assert result["facts"]["changed"] == len(stay_ids)
    return _Done()


@pytest.mark.parametrize("case", CASES)
def test_query_count_matches_the_baseline(case, run):
    expected = baseline()[connection.vendor][case]
    count, queries = run(case)
    assert count == expected, (
        f"{case}: {count} queries on {connection.vendor}, the baseline is {expected}. If this is meant, edit "
        "tests/query_counts.json and give the reason in the commit message.\n" + "\n".join(queries)
    )


def test_bulk_ingestion_count_does_not_grow_with_the_batch(api, integrator, hotel, other_hotel):
    """The same statements for 2 rows as for 500 (the baseline measures 50).  SQLite's
    limit of 999 parameters a statement splits bigger inserts: as many rows there as one
    INSERT of a stay's columns holds."""
    pms = api.as_user(integrator)
    pms.post("/api/v1/stays/bulk/", {"stays": [stay_row(confirmation_number="WARM")]}, format="json")
    counts = []
    columns = [f for f in Stay._meta.concrete_fields if not f.primary_key and not f.generated]
    for size in (2, 500 if connection.vendor == "postgresql" else connection.ops.bulk_batch_size(columns, [])):
        rows = [stay_row(property=("LIS", "ALG")[i % 2], confirmation_number=f"S{size}-{i}") for i in range(size)]
        with CaptureQueriesContext(connection) as ctx:
            assert pms.post("/api/v1/stays/bulk/", {"stays": rows}, format="json").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
