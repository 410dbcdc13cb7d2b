"""The report pages: every report renders its charts, definitions and tables; a bad
filter is a 400 naming the field; every table downloads as CSV with the same cells."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from performance.services import facts_rebuild
from tests.factories import StayFactory

REPORTS = ("production", "cancellations", "sources", "patterns", "pace", "forecast")


@pytest.fixture
def stays(hotel):
    StayFactory(property=hotel, arrival_date=dt.date(2026, 1, 10), market_segment="Groups")
    StayFactory(property=hotel, arrival_date=dt.date(2026, 1, 12), status="cancelled", room_revenue=0)
    facts_rebuild()


@pytest.mark.parametrize("report", REPORTS)
def test_each_report_page_renders(client, sales_manager, stays, report):
    client.force_login(sales_manager)
    response = client.get(f"/performance/{report}/", {"start": "2026-01-01", "end": "2026-01-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="definitions"' in body and "EUR" in body
    if report not in ("forecast",):
        assert "<svg" in body


def test_a_bad_filter_is_a_400_naming_the_field(client, sales_manager, stays):
    client.force_login(sales_manager)
    response = client.get("/performance/production/", {"start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_the_csv_has_the_page_numbers(client, sales_manager, stays):
    client.force_login(sales_manager)
    query = {"start": "2026-01-01", "end": "2026-01-31", "market_segment": "Groups"}
    response = client.get("/performance/production/export/production/", query)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["period", "room nights", "stays"]
    assert rows[1][:3] == ["2026-01-01", "2", "1"]
    page = client.get("/performance/production/", query).context["tables"][0]
    assert [str(c) for c in page.rows[0]] == rows[1]


def test_front_desk_is_refused(client, front_desk, stays):
    client.force_login(front_desk)
    assert client.get("/performance/production/").status_code == 403
    assert client.get("/performance/production/export/production/").status_code == 403
