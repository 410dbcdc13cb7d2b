"""Dashboards state their definitions, name the currency, follow the settings they
depend on, and segment lists say what put each guest there."""

import datetime as dt

import pytest
from django.test import override_settings

from analytics import segmentation as calc
from analytics import services
from guests.models import Stay
from tests.analytics.factories import AS_OF, chain, guests, stay

pytestmark = pytest.mark.django_db

DASHBOARD = "/analytics/"


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_dashboard_states_definitions_and_currency(client, sales_manager, hotel, settings):
    settings.CHAIN_CURRENCY = "EUR"
    chain([500, 300, 200], prop=hotel)
    services.segmentation_run(as_of=AS_OF)
    html = page(client, sales_manager, DASHBOARD)
    assert 'data-testid="definitions"' in html
    first_day = calc.months_before(AS_OF, 24) + dt.timedelta(days=1)
    assert f"from {first_day:%Y-%m-%d} to {AS_OF:%Y-%m-%d}" in html
    assert "Net revenue (EUR)" in html and "1,000.00 EUR" in html
    assert "Revenue share of the top 20 %" in html
    assert "VIP 1 % · Major 4 % · Ordinary 15 % · Small 80 %" in html
    assert 'data-testid="trend-x-axis"' in html


@override_settings(SEGMENTATION={"top_share": 10, "cuts": {"vip": 2, "major": 8, "ordinary": 30, "small": 60}})
def test_labels_follow_the_settings(client, sales_manager, hotel):
    chain([500, 300, 200], prop=hotel)
    services.segmentation_run(as_of=AS_OF)
    html = page(client, sales_manager, DASHBOARD)
    assert "Revenue share of the top 10 %" in html and "top 20 %" not in html.lower()
    assert "Top 10 %:" in html  # the Lorenz marker
    assert "Top 10 % share of revenue" in html  # the trend legend
    assert "VIP 2 % · Major 8 % · Ordinary 30 % · Small 60 %" in html
    assert 'data-testid="settings-changed"' not in html
    client.force_login(sales_manager)
    export = client.get("/analytics/export/pareto.csv")
    header = b"".join(export.streaming_content) if export.streaming else export.content
    assert "revenue share of the top 10 %" in header.decode().splitlines()[0]


def test_a_run_keeps_its_own_settings_and_says_they_changed(client, sales_manager, hotel):
    chain([500, 300, 200], prop=hotel)
    services.segmentation_run(as_of=AS_OF)
    with override_settings(SEGMENTATION={"top_share": 25}):
        html = page(client, sales_manager, DASHBOARD)
    assert "Revenue share of the top 20 %" in html
    assert 'data-testid="settings-changed"' in html


def test_segment_rows_show_what_put_the_guest_there(client, sales_manager, hotel):
    people = chain([900, 500, 300, 200, 100], prop=hotel)
    lapsed, booked, prospect = guests(3, prefix="X")
    stay(lapsed, 400, prop=hotel, departed=1000)
    stay(booked, 0, prop=hotel, departed=-12, nights=3, status=Stay.Status.RESERVED)
    run = services.segmentation_run(as_of=AS_OF)

    html = page(client, sales_manager, f"/analytics/segments/inactive/?run={run.pk}")
    last = AS_OF - dt.timedelta(days=1000)
    first_day = calc.months_before(AS_OF, 24) + dt.timedelta(days=1)
    assert f"Last departure {last:%Y-%m-%d}, before the window that starts {first_day:%Y-%m-%d}" in html
    assert "0.00" not in html.split('data-testid="segment-guests"')[1].split("</table>")[0]

    html = page(client, sales_manager, f"/analytics/segments/booked/?run={run.pk}")
    arrival = AS_OF + dt.timedelta(days=9)
    assert f"On the books: Reserved at {hotel.code}, {arrival:%Y-%m-%d}" in html

    html = page(client, sales_manager, f"/analytics/segments/prospect/?run={run.pk}")
    assert f"No checked-out stay up to {AS_OF:%Y-%m-%d} and no stay on the books." in html

    html = page(client, sales_manager, f"/analytics/segments/vip/?run={run.pk}")
    assert "Rank 1 of 5 active guests by net revenue (900.00 EUR from 1 stays in the window)" in html
    assert "inside the top 1 % cut, ranks 1–1" in html
    html = page(client, sales_manager, f"/analytics/segments/small/?run={run.pk}")
    assert "inside the top 100 % cut, ranks 2–5" in html
    assert people
