"""The morning briefing in a real (headless Chromium) browser: the arrivals page, its
print view (print stylesheet, no menu, the print button) and the print media rules."""

import datetime as dt

import pytest

from guests.models import GuestNote, Stay
from tests.factories import GuestFactory, GuestNoteFactory, StayFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def arrivals(transactional_db, hotel):
    day = hotel.business_date()
    vip = GuestFactory(family_name_latin="Almeida", given_name_latin="Ana", vip_code="V1")
    GuestNoteFactory(guest=vip, kind=GuestNote.Kind.ALERT, text="Nut allergy")
    StayFactory(
        guest=vip,
        property=hotel,
        arrival_date=day,
        departure_date=day + dt.timedelta(days=2),
        status=Stay.Status.RESERVED,
        room_number="501",
        special_requests="ETA 14:30",
    )
    return day


def test_arrivals_print_view_for_the_morning_briefing(page, login, front_desk, arrivals):
    from playwright.sync_api import expect

    login(front_desk)
    page.goto("/guests/arrivals/")
    table = page.get_by_test_id("arrivals")
    expect(table).to_contain_text("Ana Almeida")
    expect(table).to_contain_text("14:30")
    with page.expect_navigation():
        page.get_by_test_id("print-link").click()
    assert "/guests/lists/arrivals/print/" in page.url
    sheet = page.get_by_test_id("arrivals")
    expect(sheet).to_contain_text("Ana Almeida")
    expect(sheet).to_contain_text("501")
    expect(sheet).to_contain_text("Nut allergy")
    expect(page.locator("header.top")).to_have_count(0)  # no menu on paper
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") >= 1
    # The print media rules: the buttons disappear, the table stays.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(sheet).to_be_visible()
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf[:4] == b"%PDF"
