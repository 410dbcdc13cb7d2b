"""Relationship levels: a dated, reasoned history; today's distribution; the movement
between the start and the end of a quarter."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import selectors, services
from accounts.models import Account, LevelChange
from crm_site.errors import DomainError

from .factories import AccountFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def test_a_level_change_is_recorded_with_who_when_why_and_the_aim(own_account, salesperson):
    review = TODAY() + dt.timedelta(days=90)
    change = services.account_level_change(
        account_id=own_account.pk,
        level="preferred",
        reason="Signed the 2026 agreement",
        target_level="partner",
        review_on=review.isoformat(),
        by=salesperson,
    )
    own_account.refresh_from_db()
    assert (own_account.relationship_level, own_account.level_target, own_account.level_review_on) == (
        "preferred",
        "partner",
        review,
    )
    assert (change.from_level, change.to_level, change.changed_by, change.effective_on) == (
        "ordinary",
        "preferred",
        salesperson,
        TODAY(),
    )
    history = selectors.level_history(own_account)
    assert [c.to_level for c in history] == ["preferred", "ordinary"]
    assert own_account.events.filter(kind="level").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": "preferred", "reason": ""}, "reason"),
        ({"level": "preferred", "reason": "   "}, "reason"),
        ({"level": "preferred", "reason": None}, "reason"),
        ({"level": "gold", "reason": "x"}, "level"),
        ({"level": "preferred", "reason": "x", "target_level": "gold"}, "target_level"),
        ({"level": "preferred", "reason": "x", "review_on": "31/12/2026"}, "review_on"),
        ({"level": "preferred", "reason": "x", "effective_on": "2999-01-01"}, "effective_on"),
        (
            {"level": "preferred", "reason": "x", "effective_on": (TODAY() + dt.timedelta(days=1)).isoformat()},
            "effective_on",
        ),
        ({"level": "preferred", "reason": "x", "review_on": (TODAY() - dt.timedelta(days=1)).isoformat()}, "review_on"),
        ({"level": ["preferred"], "reason": "x"}, "level"),
    ],
)
def test_a_bad_level_change_names_the_field_and_writes_nothing(own_account, salesperson, kwargs, field):
    with pytest.raises(DomainError) as caught:
        services.account_level_change(account_id=own_account.pk, by=salesperson, **kwargs)
    assert field in caught.value.fields
    own_account.refresh_from_db()
    assert own_account.relationship_level == "ordinary"
    assert LevelChange.objects.filter(account=own_account).count() == 1
    assert not own_account.events.filter(kind="level").exists()


def test_the_history_reads_in_order_a_change_cannot_predate_the_last_one(own_account, salesperson):
    services.account_level_change(
        account_id=own_account.pk,
        level="preferred",
        reason="x",
        effective_on=(TODAY() - dt.timedelta(days=10)),
        by=salesperson,
    )
    with pytest.raises(DomainError) as caught:
        services.account_level_change(
            account_id=own_account.pk,
            level="partner",
            reason="y",
            effective_on=(TODAY() - dt.timedelta(days=20)),
            by=salesperson,
        )
    assert "effective_on" in caught.value.fields


def test_the_api_refuses_a_level_change_without_a_reason(api, own_account, salesperson):
    response = api.as_user(salesperson).post(f"/api/v1/accounts/{own_account.pk}/level/", {"level": "partner"})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    ok = api.as_user(salesperson).post(
        f"/api/v1/accounts/{own_account.pk}/level/", {"level": "partner", "reason": "Quarterly review"}
    )
    assert ok.status_code == 201 and ok.json()["to_level"] == "partner"
    history = api.as_user(salesperson).get(f"/api/v1/accounts/{own_account.pk}/levels/").json()
    assert [h["to_level"] for h in history] == ["partner", "ordinary"]


def test_the_distribution_counts_active_accounts_per_level_and_type():
    for level, kind in [
        ("ordinary", "corporate"),
        ("ordinary", "government"),
        ("partner", "corporate"),
        ("strategic", "travel_agency"),
    ]:
        AccountFactory(relationship_level=level, account_type=kind)
    keep = AccountFactory(relationship_level="preferred")
    AccountFactory(relationship_level="strategic", merged_into=keep)  # merged away: not counted
    data = selectors.level_distribution()
    assert data["total"] == 5
    assert [(lv["code"], lv["count"]) for lv in data["levels"]] == [
        ("ordinary", 2),
        ("preferred", 1),
        ("partner", 1),
        ("strategic", 1),
    ]
    corporate = next(t for t in data["types"] if t["code"] == "corporate")
    assert corporate["counts"] == [1, 1, 1, 0]


def _history(name, *steps):
    account = Account.objects.create(name=name, relationship_level=steps[-1][1])
    for day, level in steps:
        LevelChange.objects.create(account=account, to_level=level, reason="test", effective_on=day)
    return account


def test_the_quarter_migration_matrix_on_a_known_history():
    d = dt.date
    _history("A", (d(2025, 6, 1), "ordinary"), (d(2026, 2, 10), "preferred"), (d(2026, 5, 1), "partner"))
    _history("B", (d(2025, 1, 1), "partner"), (d(2026, 3, 31), "ordinary"))
    _history("C", (d(2026, 2, 1), "preferred"))  # new during the quarter
    _history("D", (d(2026, 4, 10), "ordinary"))  # after the quarter: left out
    _history("E", (d(2025, 12, 31), "strategic"))
    _history("F", (d(2025, 3, 1), "ordinary"), (d(2026, 1, 1), "preferred"))  # on the first day
    data = selectors.level_migration(start=d(2026, 1, 1), end=d(2026, 3, 31))
    matrix = data["matrix"]
    assert matrix["ordinary"] == {"ordinary": 0, "preferred": 2, "partner": 0, "strategic": 0}
    assert matrix["partner"] == {"ordinary": 1, "preferred": 0, "partner": 0, "strategic": 0}
    assert matrix["new"] == {"ordinary": 0, "preferred": 1, "partner": 0, "strategic": 0}
    assert matrix["strategic"]["strategic"] == 1
    assert sum(n for row in matrix.values() for n in row.values()) == 5
    assert (data["upgraded"], data["downgraded"]) == (2, 1)


@pytest.mark.parametrize("value", ["2026-Q5", "2026Q0", "abc", "1800-Q1", "2026-Q1; drop table", ["2026-Q1"]])
def test_a_bad_quarter_names_the_field(value):
    with pytest.raises(DomainError) as caught:
        selectors.quarter_bounds(value, today=dt.date(2026, 12, 1))
    assert "quarter" in caught.value.fields


def test_quarter_bounds_end_today_while_the_quarter_runs_and_refuse_the_future():
    today = dt.date(2026, 5, 20)
    assert selectors.quarter_bounds("2026-q1", today=today) == ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert selectors.quarter_bounds("", today=today) == ("2026-Q2", dt.date(2026, 4, 1), today)
    assert selectors.quarter_bounds("2025Q4", today=today)[1:] == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    with pytest.raises(DomainError):
        selectors.quarter_bounds("2026-Q3", today=today)


def test_the_levels_page_and_api_show_distribution_and_migration(client, api, sales_manager):
    AccountFactory(relationship_level="partner")
    client.force_login(sales_manager)
    page = client.get("/accounts/levels/")
    assert page.status_code == 200
    assert b'data-testid="level-migration"' in page.content
    assert client.get("/accounts/levels/?quarter=nonsense").status_code == 400
    csv_rows = client.get("/accounts/levels/?export=migration").content.decode("utf-8-sig").splitlines()
    assert len(csv_rows) == 6  # header + new + four levels
    body = api.as_user(sales_manager).get("/api/v1/account-levels/migration/?quarter=2026-Q9")
    assert body.status_code == 400 and "quarter" in body.json()["errors"]
    dist = api.as_user(sales_manager).get("/api/v1/account-levels/distribution/").json()
    assert dist["total"] == 1 and dist["levels"][2]["count"] == 1
