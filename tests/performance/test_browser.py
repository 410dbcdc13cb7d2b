"""A sales manager in a real (headless Chromium) browser: the production report of the
City Hotel, filtered by market segment, shows its chart, and the CSV download carries
the numbers the page shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from performance.services import facts_rebuild
from tests.factories import PropertyFactory, StayFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city_hotel(transactional_db):
    city = PropertyFactory(code="H2", name="City Hotel", city="Lisbon", timezone="Europe/Lisbon")
    for day, segment, revenue in ((3, "Groups", "240.00"), (5, "Online TA", "180.00"), (20, "Groups", "300.00")):
        StayFactory(
            property=city,
            arrival_date=dt.date(2016, 5, day),
            departure_date=dt.date(2016, 5, day + 3),
            market_segment=segment,
            room_revenue=Decimal(revenue),
        )
    facts_rebuild()
    return city


def test_sales_manager_filters_production_by_segment_and_downloads_the_same_numbers(
    page, login, sales_manager, city_hotel
):
    from playwright.sync_api import expect

    login(sales_manager)
    page.goto("/performance/production/?start=2016-05-01&end=2016-05-31")
    page.select_option("select[name=property]", "H2")
    page.fill("input[name=market_segment]", "Groups")
    page.click("[data-testid=performance-filters] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("City Hotel")
    expect(page.get_by_test_id("performance-chart").first).to_be_visible()
    table = page.get_by_test_id("table-production")
    first_row = [c.strip() for c in table.locator("tbody tr").first.locator("td").all_inner_texts()]
    assert first_row[:4] == ["2016-05-01", "6", "2", "540.00"]

    with page.expect_download() as download_info:
        page.get_by_test_id("export-production").click()
    content = open(download_info.value.path(), encoding="utf-8").read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[1] == first_row
