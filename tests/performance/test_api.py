"""The report API: figures from the facts, definitions and currency stated, bad input a
400 naming every field, fixed query counts, and who may read it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guests.models import RoomInventory
from performance.selectors.forecast import BACKTEST, backtest, mape
from performance.services import facts_rebuild
from tests.factories import StayFactory

URL = "/api/v1/analytics/performance/"


@pytest.fixture
def stays(hotel, other_hotel):
    StayFactory(property=hotel, arrival_date=dt.date(2026, 1, 10), market_segment="Groups", lead_time_days=10)
    StayFactory(property=hotel, arrival_date=dt.date(2025, 1, 10), market_segment="Groups")
    StayFactory(
        property=hotel, arrival_date=dt.date(2026, 1, 20), status="cancelled", room_revenue=0, adr=Decimal("90")
    )
    StayFactory(property=hotel, arrival_date=dt.date(2026, 1, 21), status="no_show", room_revenue=0, adr=Decimal("90"))
    StayFactory(property=other_hotel, arrival_date=dt.date(2026, 1, 12), market_segment="Direct", country="CHN")
    RoomInventory.objects.create(property=hotel, valid_from=dt.date(2024, 1, 1), rooms=10)
    facts_rebuild()


JANUARY = {"start": "2026-01-01", "end": "2026-01-31"}


def test_production_with_occupancy_and_last_year(api, sales_manager, stays, hotel):
    data = api.as_user(sales_manager).get(URL + "production/", {**JANUARY, "property": hotel.code}).json()
    total = data["total"]
    assert (total["room_nights"], total["stays"], total["room_revenue"]) == (2, 1, "200.00")
    assert total["adr"] == "100.00" and total["rooms_available"] == 310
    assert total["occupancy"] == round(2 / 310, 6) and total["revpar"] == "0.65"
    assert data["last_year_total"]["room_nights"] == 2 and data["change"]["room_nights"] == 0.0
    assert data["occupancy_missing"] is None
    assert data["definitions"]["currency"] == "EUR" and "ADR" in data["definitions"]["adr"]


def test_occupancy_missing_says_why(api, sales_manager, stays):
    data = api.as_user(sales_manager).get(URL + "production/", JANUARY).json()
    assert data["total"]["occupancy"] is None
    assert "room inventory" in data["occupancy_missing"]


def test_cancellations_count_no_shows_as_cancelled_and_split_them(api, sales_manager, stays, hotel):
    data = api.as_user(sales_manager).get(URL + "cancellations/", {**JANUARY, "property": hotel.code}).json()
    total = data["total"]
    assert (total["bookings"], total["cancelled"], total["no_show"], total["cancelled_incl_no_show"]) == (3, 1, 1, 2)
    assert total["cancellation_rate"] == round(2 / 3, 6)
    assert total["lost_revenue"] == "360.00"
    assert data["by_arrival_month"][0]["month"] == "2026-01-01"
    assert "no-show" in data["definitions"]["cancellation"]


def test_source_mix_filters_by_segment(api, sales_manager, stays):
    data = api.as_user(sales_manager).get(URL + "sources/", {**JANUARY, "market_segment": "Groups"}).json()
    segments = next(d for d in data["dimensions"] if d["dimension"] == "market_segment")
    assert [(r["value"], r["bookings"], r["last_year_bookings"]) for r in segments["rows"]] == [("Groups", 1, 1)]


def test_patterns_and_pace_answer(api, sales_manager, stays):
    client = api.as_user(sales_manager)
    patterns = client.get(URL + "patterns/", JANUARY).json()
    assert sum(r["bookings"] for r in patterns["booking_window"]) == 4
    assert len(patterns["day_of_week"]) == 7
    pace = client.get(URL + "pace/").json()
    assert len(pace["rows"]) == 90


@pytest.mark.parametrize(
    "query, fields",
    [
        ({"start": "2020-01-01", "end": "2026-01-01"}, {"end"}),
        ({"start": "2026-02-01", "end": "2026-01-01"}, {"end"}),
        ({"start": "1899-12-31", "end": "2026-01-01"}, {"start"}),
        ({"start": "2026-01-01", "end": "2101-01-01"}, {"end"}),
        ({"market_segment": "Nope", "channel": "pigeon", "property": "ZZZ"}, {"market_segment", "channel", "property"}),
        ({"start": "2025-01-01", "end": "2026-06-30", "granularity": "day"}, {"granularity"}),
        ({"granularity": "year"}, {"granularity"}),
        ({"granularity": ""}, {"granularity"}),
    ],
)
def test_bad_input_is_a_400_naming_every_field(api, sales_manager, stays, query, fields):
    response = api.as_user(sales_manager).get(URL + "production/", query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields


def test_front_desk_may_not_read_reports(api, front_desk, stays):
    assert api.as_user(front_desk).get(URL + "production/").status_code == 403


@pytest.mark.parametrize("report, queries", [("production", 6), ("cancellations", 4), ("sources", 2), ("patterns", 4)])
def test_query_counts_are_fixed(api, sales_manager, stays, django_assert_num_queries, report, queries):
    client = api.as_user(sales_manager)
    client.get(URL + f"{report}/", JANUARY)  # warm (session, permissions)
    with django_assert_num_queries(queries):
        client.get(URL + f"{report}/", JANUARY)


def test_backtest_arithmetic():
    pytest.importorskip("statsmodels", reason="statsmodels (requirements.txt) is not installed here")
    months = [dt.date(2020 + (i // 12), i % 12 + 1, 1) for i in range(26)]
    values = [100.0 + 50 * ((i % 12) in (5, 6, 7)) + i for i in range(26)]
    result = backtest(months, values)
    assert result["train_months"] == 26 - BACKTEST
    rows = result["rows"]
    assert [r["month"] for r in rows] == months[-BACKTEST:]
    assert [r["actual"] for r in rows] == values[-BACKTEST:]
    assert [r["seasonal_naive"] for r in rows] == values[-BACKTEST - 12 : -12]
    expected = sum(abs(r["actual"] - r["model"]) / r["actual"] for r in rows) / BACKTEST
    assert result["model_mape"] == round(expected, 6)
    naive = sum(abs(r["actual"] - r["seasonal_naive"]) / r["actual"] for r in rows) / BACKTEST
    assert result["seasonal_naive_mape"] == round(naive, 6)
    assert mape([0, 10], [5, 12]) == 0.2  # months with no actual are left out
