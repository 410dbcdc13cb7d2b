"""Sales performance: attribution of stays to accounts (kept whatever the traveller's
employer becomes), production with the group roll-up, the account Pareto, decline
warnings, agreements below pace, the attribution review list, scorecards against
targets, who sees which scorecard, and bad input (4xx naming the field, nothing written)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import selectors, services
from accounts.models import AccountWarningReview, SalesTarget
from accounts.selectors.production import add_months, month_start
from care.models import StaySurvey
from guests.models import Stay
from guests.services import guest_update, stays_upsert
from tests.factories import GuestFactory
from tests.guests.factories import stay_row

from .factories import AccountFactory, ActivityFactory, AgreementFactory

pytestmark = pytest.mark.django_db


def _stays(*rows):
    report = stays_upsert(rows=list(rows))
    return [Stay.objects.get(pk=r.stay_id) for r in report.results]


def _row(arrival: str, nights: int, room: str = "100.00", **extra) -> dict:
    day = dt.date.fromisoformat(arrival)
    return stay_row(
        arrival_date=arrival,
        departure_date=(day + dt.timedelta(days=nights)).isoformat(),
        status=extra.pop("status", "checked_out"),
        room_revenue=room,
        fnb_revenue=extra.pop("fnb_revenue", "0"),
        **extra,
    )


@pytest.fixture
def group(hotel):
    parent = AccountFactory(name="Huawei Group")
    company = AccountFactory(name="Huawei Technologies", parent=parent)
    agency = AccountFactory(name="CTS Business Travel", parent=parent, account_type="travel_agency")
    return parent, company, agency


@pytest.fixture
def known_stays(group):
    _parent, company, agency = group
    return _stays(
        _row("2025-03-10", 3, "300.00", fnb_revenue="45.50", company_account=company.pk),
        _row("2025-03-20", 2, "200.00", agent_account=agency.pk),
        _row("2025-04-01", 1, "100.00", company_account=company.pk),
        _row("2025-04-05", 2, "0", status="cancelled", adr="120.00", company_account=company.pk),
        _row("2025-04-10", 1, "0", status="no_show", adr="90.00", agent_account=agency.pk),
        _row("2024-03-15", 1, "150.00", company_account=company.pk),
        _row("2025-03-11", 4, "999.00"),  # not attributed: counts for nobody
    )


def test_roll_up_is_the_sum_of_the_children_and_of_the_attributed_stays(group, known_stays):
    parent, company, agency = group
    today = dt.date(2025, 6, 1)
    group_figures = selectors.account_production(account=parent, year=2025, today=today)
    own = {m["account_id"]: m["figures"] for m in group_figures.members}
    assert own[parent.pk].stays == 0
    assert group_figures.total == own[company.pk] + own[agency.pk]
    total = group_figures.total
    assert (total.stays, total.room_nights, total.revenue) == (3, 6, Decimal("645.50"))
    assert (total.cancellations, total.no_shows, total.lost_revenue) == (1, 1, Decimal("330.00"))
    assert total.adr == Decimal("100.00")  # 600 room revenue / 6 nights
    months = {row.month: row for row in group_figures.months}
    assert months[dt.date(2025, 3, 1)].current.revenue == Decimal("545.50")
    assert months[dt.date(2025, 3, 1)].last_year.revenue == Decimal("150.00")
    assert months[dt.date(2025, 4, 1)].current.cancellations == 1
    assert group_figures.total_last_year.room_nights == 1
    assert [p["property"] for p in group_figures.properties] == ["LIS"]
    # The same figures from the set-based per-account query.
    direct = selectors.production_by_account(start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    assert direct[company.pk].revenue == Decimal("445.50") and direct[agency.pk].no_shows == 1
    assert parent.pk not in direct


def test_a_stay_of_two_accounts_of_a_group_counts_once_for_the_group(group):
    parent, company, agency = group
    _stays(_row("2025-05-02", 2, "180.00", company_account=company.pk, agent_account=agency.pk))
    figures = selectors.account_production(account=parent, year=2025, today=dt.date(2025, 6, 1))
    own = {m["account_id"]: m["figures"] for m in figures.members}
    assert own[company.pk].revenue == own[agency.pk].revenue == Decimal("180.00")
    assert figures.total.revenue == Decimal("180.00") and figures.total.room_nights == 2


def test_a_stay_counts_once_per_account_and_once_per_owner(hotel, salesperson, other_salesperson):
    """Same results on PostgreSQL and SQLite: the company and agent sides of a stay are
    counted once per account (and once per owner of the accounts)."""
    mine = AccountFactory(name="Mine", owner=salesperson)
    also_mine = AccountFactory(name="Also mine", owner=salesperson, account_type="travel_agency")
    theirs = AccountFactory(name="Theirs", owner=other_salesperson, account_type="travel_agency")
    guest = GuestFactory().pk
    same, two_owners, one_owner, agent_only = _stays(
        _row("2025-03-02", 2, "100.00", company_account=mine.pk, agent_account=mine.pk, guest=guest),
        _row("2025-03-03", 1, "50.00", company_account=mine.pk, agent_account=theirs.pk, guest=guest),
        _row("2025-03-04", 3, "30.00", company_account=mine.pk, agent_account=also_mine.pk, guest=guest),
        _row("2025-03-05", 1, "0", status="cancelled", adr="80.00", agent_account=also_mine.pk, guest=guest),
    )
    for stay, overall in ((same, 5), (two_owners, 2), (one_owner, 4), (agent_only, 3)):
        StaySurvey.objects.create(stay=stay, guest_id=guest, overall=overall, received_on=dt.date(2025, 3, 20))
    start, end = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    own = selectors.production_by_account(start=start, end=end)
    assert (own[mine.pk].stays, own[mine.pk].room_nights, own[mine.pk].revenue) == (3, 6, Decimal("180.00"))
    assert (own[theirs.pk].stays, own[also_mine.pk].stays, own[also_mine.pk].cancellations) == (1, 1, 1)
    assert own[also_mine.pk].lost_revenue == Decimal("80.00")
    limited = selectors.production_by_account(start=start, end=end, account_ids=[theirs.pk])
    assert list(limited) == [theirs.pk] and limited[theirs.pk].revenue == Decimal("50.00")
    cards = {
        c.salesperson.pk: c
        for c in selectors.scorecards(month=start, salesperson_ids=[salesperson.pk, other_salesperson.pk])
    }
    mine_card, theirs_card = cards[salesperson.pk], cards[other_salesperson.pk]
    assert (mine_card.production.stays, mine_card.production.room_nights) == (3, 6)
    assert (mine_card.production.cancellations, mine_card.production.revenue) == (1, Decimal("180.00"))
    assert (mine_card.surveys, mine_card.satisfaction) == (4, Decimal("3.50"))
    assert (theirs_card.production.stays, theirs_card.surveys, theirs_card.satisfaction) == (1, 1, Decimal("2.00"))


def test_attribution_is_kept_when_the_traveller_changes_employer(group, hotel):
    _parent, company, _agency = group
    other = AccountFactory(name="ZTE")
    guest = GuestFactory(company=company)
    stay = _stays(_row("2025-03-01", 2, "200.00", guest=guest.pk, company_account=company.pk))[0]
    guest_update(guest_id=guest.pk, expected_version=guest.version, data={"company": other.pk})
    # The PMS resends the booking without any account: the attribution stays.
    _stays(_row("2025-03-01", 2, "220.00", guest=guest.pk, confirmation_number=stay.confirmation_number))
    stay.refresh_from_db()
    assert stay.company_account_id == company.pk and stay.room_revenue == Decimal("220.00")
    production = selectors.production_by_account(start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    assert production[company.pk].revenue == Decimal("220.00") and other.pk not in production
    # A stay written without an account is not attributed from the guest's employer.
    fresh = _stays(_row("2025-03-05", 1, "90.00", guest=guest.pk))[0]
    assert fresh.company_account_id is None


def test_an_unknown_account_refuses_the_batch_naming_the_field(api, chain_admin, group):
    _parent, company, _agency = group
    merged = AccountFactory(name="Old name", merged_into=company)
    body = {
        "stays": [
            _row("2025-03-01", 1, company_account=company.pk),
            _row("2025-03-02", 1, company_account=999999),
            _row("2025-03-03", 1, agent_account="abc"),
            _row("2025-03-04", 1, agent_account=merged.pk),
        ]
    }
    response = api.as_user(chain_admin).post("/api/v1/stays/bulk/", body, format="json")
    assert response.status_code == 400
    rows = {(r["row"], r["field"]) for r in response.json()["rows"]}
    assert rows == {(1, "company_account"), (2, "agent_account"), (3, "agent_account")}
    assert not Stay.objects.exists()
    single = api.as_user(chain_admin).post("/api/v1/stays/", _row("2025-03-01", 1, company_account=0), format="json")
    assert single.status_code == 400 and "company_account" in single.json()["errors"]
    ok = api.as_user(chain_admin).post("/api/v1/stays/", _row("2025-03-01", 1, agent_account=company.pk), format="json")
    assert ok.status_code == 201 and ok.json()["agent_account"] == company.pk


def test_the_csv_import_attributes_by_account_id(group, hotel):
    import io

    from guests import importers

    _parent, company, _agency = group
    header = "property,confirmation_number,arrival_date,departure_date,status,channel,room_revenue,fnb_revenue,other_revenue,currency,adults,children,company_account"
    text = f"{header}\nLIS,CSV1,2025-03-01,2025-03-03,checked_out,corporate,200,0,0,EUR,1,0,{company.pk}\nLIS,CSV2,2025-03-01,2025-03-03,checked_out,corporate,200,0,0,EUR,1,0,424242\n"
    result = importers.import_stays(path=io.StringIO(text), format=importers.FORMAT_CSV)
    assert [(e.row, e.column) for e in result.errors] == [(3, "company_account")]
    assert Stay.objects.get(confirmation_number="CSV1").company_account_id == company.pk
    assert not Stay.objects.filter(confirmation_number="CSV2").exists()


def test_merging_accounts_moves_their_stays_and_undo_puts_them_back(group, director):
    _parent, company, _agency = group
    duplicate = AccountFactory(name="Huawei Tech (dup)")
    stay = _stays(_row("2025-03-01", 1, agent_account=duplicate.pk))[0]
    merge = services.account_merge(survivor_id=company.pk, merged_id=duplicate.pk, by=director)
    stay.refresh_from_db()
    assert stay.agent_account_id == company.pk
    services.account_merge_undo(merge_id=merge.pk, by=director)
    stay.refresh_from_db()
    assert stay.agent_account_id == duplicate.pk


# --- Pareto ----------------------------------------------------------------------------------------


def test_pareto_marks_the_fewest_accounts_making_80_per_cent(hotel):
    accounts = [AccountFactory(name=f"P{i}") for i in range(4)]
    for account, room in zip(accounts, ["500.00", "300.00", "150.00", "50.00"], strict=True):
        _stays(_row("2025-02-01", 1, room, company_account=account.pk))
    data = selectors.account_pareto(start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    assert data["total_revenue"] == Decimal("1000.00") and data["accounts"] == 4
    assert [r["account_id"] for r in data["rows"] if r["core"]] == [accounts[0].pk, accounts[1].pk]
    assert [r["cumulative_share"] for r in data["rows"]] == [
        Decimal("50.00"),
        Decimal("80.00"),
        Decimal("95.00"),
        Decimal("100.00"),
    ]


# --- Decline warnings ------------------------------------------------------------------------------


def test_decline_warnings_give_their_reasons_and_can_be_handled(hotel, salesperson, director):
    today = timezone.localdate()
    recent = add_months(month_start(today), -2) + dt.timedelta(days=3)
    declining = AccountFactory(name="Declining", owner=salesperson)
    dormant = AccountFactory(name="Dormant", owner=salesperson)
    steady = AccountFactory(name="Steady")
    _stays(
        _row(add_months(recent, -12).isoformat(), 2, "1000.00", company_account=declining.pk),
        _row(recent.isoformat(), 1, "200.00", company_account=declining.pk),
        _row((today - dt.timedelta(days=200)).isoformat(), 1, "100.00", company_account=dormant.pk),
        _row(add_months(recent, -12).isoformat(), 1, "300.00", company_account=steady.pk),
        _row(recent.isoformat(), 1, "300.00", company_account=steady.pk),
    )
    rules = selectors.DeclineRules(months=3, percent=30, min_revenue=Decimal("100"), dormant_days=120)
    rows = {r["account"].name: r for r in selectors.account_warnings(today=today, rules=rules)}
    assert set(rows) == {"Declining", "Dormant"}
    reason = rows["Declining"]["reasons"][0]
    assert reason["code"] == "decline" and reason["change_percent"] == "-80.0"
    assert rows["Dormant"]["reasons"][-1]["code"] == "dormant"
    with pytest.raises(Exception) as refused:
        services.account_warning_handle(account_id=steady.pk, today=today, by=director)
    assert "account" in refused.value.fields
    services.account_warning_handle(
        account_id=declining.pk, note="Called the travel manager", today=today, by=salesperson
    )
    assert AccountWarningReview.objects.get(account=declining).handled_by == salesperson


# --- Agreements below pace -------------------------------------------------------------------------


def test_agreement_below_commitment_pace_is_alerted(hotel):
    today = timezone.localdate()
    slow, fast = AccountFactory(name="Slow Corp"), AccountFactory(name="Fast Corp")
    common = {
        "property": hotel,
        "valid_from": today - dt.timedelta(days=50),
        "valid_to": today + dt.timedelta(days=50),
        "commitment_period": "term",
        "room_nights_committed": 101,
    }
    slow_deal = AgreementFactory(account=slow, rate_code="SLOW", **common)
    AgreementFactory(account=fast, rate_code="FAST", **common)
    arrival = (today - dt.timedelta(days=20)).isoformat()
    _stays(
        _row(arrival, 10, rate_code="SLOW", company_account=slow.pk),
        _row(arrival, 30, rate_code="SLOW"),  # not attributed: not the account's production
        _row(arrival, 30, rate_code="FAST", company_account=fast.pk),
        _row(arrival, 30, rate_code="FAST", company_account=fast.pk),
    )
    pace = {p.agreement.rate_code: p for p in selectors.agreement_pace(today=today)}
    assert pace["SLOW"].expected == 51 and pace["SLOW"].actual == 10 and pace["SLOW"].below_pace
    assert pace["FAST"].actual == 60 and not pace["FAST"].below_pace
    assert [p.agreement for p in selectors.below_pace(today=today)] == [slow_deal]


# --- Review list -----------------------------------------------------------------------------------


def test_stays_on_a_negotiated_code_but_not_linked_are_listed_and_linked(api, hotel, salesperson, others_account):
    own = AccountFactory(name="Own Agency", owner=salesperson, account_type="travel_agency")
    AgreementFactory(
        account=own, property=hotel, rate_code="OWN", valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 12, 31)
    )
    AgreementFactory(
        account=others_account,
        property=hotel,
        rate_code="DRAFT",
        status="draft",
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 12, 31),
    )
    unlinked, linked, _draft, _outside = _stays(
        _row("2025-03-01", 1, rate_code="OWN"),
        _row("2025-03-02", 1, rate_code="OWN", agent_account=own.pk),
        _row("2025-03-03", 1, rate_code="DRAFT"),
        _row("2026-03-03", 1, rate_code="OWN"),
    )
    listed = list(selectors.attribution_review(viewer=salesperson))
    assert [s.pk for s in listed] == [unlinked.pk] and listed[0].agreement_account_id == own.pk
    rest = api.as_user(salesperson)
    assert [r["id"] for r in rest.get("/api/v1/attribution-review/").json()["results"]] == [unlinked.pk]
    refused = rest.post(
        "/api/v1/attribution-review/link/", {"stay": unlinked.pk, "account": others_account.pk}, format="json"
    )
    assert refused.status_code == 403
    missing = rest.post("/api/v1/attribution-review/link/", {"stay": 99999999, "account": own.pk}, format="json")
    assert missing.status_code == 404 and "stay" in missing.json()["errors"]
    done = rest.post("/api/v1/attribution-review/link/", {"stay": unlinked.pk, "account": own.pk}, format="json")
    assert done.status_code == 200 and done.json()["agent_account"] == own.pk
    assert not list(selectors.attribution_review(viewer=salesperson))
    assert linked.pk not in [s.pk for s in selectors.attribution_review(viewer=salesperson)]


# --- Scorecards ------------------------------------------------------------------------------------


@pytest.fixture
def march(hotel, salesperson, other_salesperson):
    own = AccountFactory(name="Own Corp", owner=salesperson)
    AccountFactory(name="Other Corp", owner=other_salesperson)
    new = AccountFactory(name="New Corp", owner=salesperson)
    new.__class__.objects.filter(pk__in=[new.pk]).update(created_at=dt.datetime(2025, 3, 5, tzinfo=dt.UTC))
    guest = GuestFactory()
    attributed, _april, unattributed = _stays(
        _row("2025-03-10", 3, "300.00", fnb_revenue="45.50", company_account=own.pk, guest=guest.pk),
        _row("2025-04-10", 1, "100.00", company_account=own.pk, guest=guest.pk),
        _row("2025-03-10", 2, "500.00", guest=guest.pk),
    )
    StaySurvey.objects.create(stay=attributed, guest=guest, overall=4, received_on=dt.date(2025, 3, 20))
    StaySurvey.objects.create(stay=unattributed, guest=guest, overall=1, received_on=dt.date(2025, 3, 20))
    ActivityFactory(account=own, owner=salesperson, status="done", done_on=dt.date(2025, 3, 7))
    ActivityFactory(account=own, owner=salesperson, status="done", done_on=dt.date(2025, 4, 7))
    ActivityFactory(account=own, owner=salesperson, status="open", due_on=dt.date(2025, 3, 9))
    review = AccountWarningReview.objects.create(account=own, period=dt.date(2025, 3, 1), handled_by=salesperson)
    AccountWarningReview.objects.filter(pk=review.pk).update(handled_at=dt.datetime(2025, 3, 15, tzinfo=dt.UTC))
    SalesTarget.objects.create(
        salesperson=salesperson,
        month=dt.date(2025, 3, 1),
        revenue=Decimal("1000"),
        room_nights=10,
        new_accounts=2,
        activities=3,
    )
    return own


def test_scorecard_figures_on_a_known_dataset(march, salesperson):
    (card,) = selectors.scorecards(month=dt.date(2025, 3, 1), salesperson_ids=[salesperson.pk])
    assert card.production.revenue == Decimal("345.50") and card.production.room_nights == 3
    assert (card.new_accounts, card.activities_done, card.warnings_handled) == (1, 1, 1)
    assert (card.surveys, card.satisfaction) == (1, Decimal("4.00"))
    lines = {line["key"]: line for line in card.lines}
    assert lines["revenue"]["target"] == Decimal("1000.00")
    assert card.attainment(lines["room_nights"]["actual"], lines["room_nights"]["target"]) == Decimal("30.0")


def test_a_salesperson_sees_their_own_scorecard_the_director_everyones(
    api, march, salesperson, other_salesperson, director
):
    mine = api.as_user(salesperson).get("/api/v1/scorecards/?month=2025-03")
    assert mine.status_code == 200 and [c["username"] for c in mine.json()] == ["rep"]
    assert mine.json()[0]["production"]["room_nights"] == 3
    everyone = api.as_user(director).get("/api/v1/scorecards/?month=2025-03")
    assert {c["username"] for c in everyone.json()} == {"rep", "rep2", "dos"}
    assert api.as_user(salesperson).get("/api/v1/sales-targets/").json()["count"] == 1
    assert api.as_user(other_salesperson).get("/api/v1/sales-targets/").json()["count"] == 0


def test_only_the_director_sets_targets_and_bad_input_names_the_field(api, salesperson, director):
    body = {"salesperson": salesperson.pk, "month": "2025-05", "revenue": "5000", "room_nights": 40}
    assert api.as_user(salesperson).post("/api/v1/sales-targets/", body, format="json").status_code == 403
    rest = api.as_user(director)
    saved = rest.post("/api/v1/sales-targets/", body, format="json")
    assert saved.status_code == 200 and saved.json()["month"] == "2025-05"
    again = rest.post("/api/v1/sales-targets/", {**body, "revenue": "6000"}, format="json")
    assert again.json()["id"] == saved.json()["id"] and SalesTarget.objects.get().revenue == Decimal("6000")
    bad = rest.post(
        "/api/v1/sales-targets/",
        {"salesperson": 99999, "month": "1800-01", "revenue": "-5", "activities": -1},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"salesperson", "month", "revenue", "activities"}
    assert rest.post("/api/v1/sales-targets/", {**body, "month": "2101-01"}, format="json").status_code == 400
    assert SalesTarget.objects.count() == 1


def test_production_api_and_pages(api, client, group, known_stays, salesperson, director):
    parent, company, _agency = group
    rest = api.as_user(salesperson)
    data = rest.get(f"/api/v1/accounts/{parent.pk}/production/?year=2025").json()
    assert data["total"]["room_nights"] == 6 and data["total"]["cancellations"] == 1
    assert rest.get(f"/api/v1/accounts/{parent.pk}/production/?year=1800").status_code == 400
    assert rest.get("/api/v1/accounts/99999999/production/").status_code == 404
    pareto = rest.get("/api/v1/account-pareto/?start=2025-01-01&end=2026-01-01").json()
    assert [r["account"] for r in pareto["rows"]][0] == company.pk
    bad = rest.get("/api/v1/account-pareto/?start=2025-13-01&end=1700-01-01")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"start", "end"}
    assert rest.get("/api/v1/account-warnings/").status_code == 200
    assert rest.get("/api/v1/agreement-pace/?below=1").status_code == 200
    client.force_login(salesperson)
    page = client.get(f"/accounts/{parent.pk}/production/?year=2025")
    assert page.status_code == 200 and "645.50" in page.content.decode()
    export = client.get(f"/accounts/{parent.pk}/production/?year=2025&export=csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    for kind in ("", "?export=pareto", "?export=warnings", "?export=pace", "?export=review"):
        assert client.get(f"/accounts/sales/{kind}").status_code == 200, kind
    assert client.get("/accounts/scorecards/?month=2025-03").status_code == 200
    assert client.get("/accounts/scorecards/?month=2025-03&export=csv").status_code == 200
    assert client.get("/accounts/scorecards/?month=1800-01").status_code == 400
    refused = client.post("/accounts/scorecards/targets/", {"salesperson": salesperson.pk, "month": "2025-05"})
    assert refused.status_code == 403
    client.force_login(director)
    bad = client.post(
        "/accounts/scorecards/targets/", {"salesperson": salesperson.pk, "month": "2025-05", "revenue": "-1"}
    )
    assert bad.status_code == 400 and not SalesTarget.objects.exists()
    ok = client.post(
        "/accounts/scorecards/targets/", {"salesperson": salesperson.pk, "month": "2025-05", "revenue": "100"}
    )
    assert ok.status_code == 302 and SalesTarget.objects.get().month == dt.date(2025, 5, 1)


def test_the_demo_attributes_stays_and_sets_targets_so_every_page_has_figures(client):
    from accounts import demo
    from guests import demo as guests_demo

    ctx = guests_demo.seed(guests=60, seed=7)
    demo.seed(ctx)
    attributed = Stay.objects.filter(company_account__isnull=False).count()
    assert attributed and Stay.objects.filter(agent_account__isnull=False).exists()
    assert SalesTarget.objects.exists()
    demo.seed(ctx)
    assert Stay.objects.filter(company_account__isnull=False).count() == attributed
    today = timezone.localdate()
    pareto = selectors.account_pareto(start=add_months(month_start(today), -36), end=today + dt.timedelta(days=1))
    assert pareto["core_accounts"] >= 1
    rep = SalesTarget.objects.first().salesperson
    client.force_login(rep)
    assert client.get("/accounts/sales/").status_code == 200
    assert client.get("/accounts/scorecards/").status_code == 200
