"""A sales manager in a real (headless Chromium) browser: open the win-back worklist,
record "won back" on a warning found by the nightly scan, and see it on the guest page."""

import datetime as dt

import pytest

from care import services
from care.models import ChurnWarning
from tests.factories import GuestFactory

from .factories import stays_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lapsed_guest(transactional_db, hotel):
    guest = GuestFactory(given_name_latin="Helena", family_name_latin="Winback", marketing_email_consent=True)
    today = dt.date.today()
    stays_on(guest, hotel, [today - dt.timedelta(days=d) for d in (700, 620, 540, 460)])
    services.churn_scan()
    return guest


def test_sales_manager_wins_a_guest_back(page, login, sales_manager, lapsed_guest):
    from playwright.sync_api import expect

    login(sales_manager)
    page.goto("/care/worklist/")
    worklist = page.get_by_test_id("worklist")
    expect(worklist).to_contain_text("Helena Winback")
    expect(worklist).to_contain_text("Lapsed")

    row = worklist.locator("tr", has_text="Helena Winback")
    row.get_by_role("link", name="Work").click()
    form = page.get_by_test_id("outcome-form")
    form.get_by_label("Outcome").select_option("won_back")
    form.get_by_label("Note").fill("Booked the spring weekend")
    form.get_by_role("button", name="Record").click()

    expect(page).to_have_url("/care/worklist/")
    expect(page.locator(".messages")).to_contain_text("Outcome recorded: Won back")
    expect(page.get_by_test_id("worklist-filters")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Helena Winback")  # no longer open

    page.goto(f"/guests/{lapsed_guest.pk}/")
    section = page.get_by_test_id("care-section")
    expect(section.get_by_test_id("contact-history")).to_contain_text("Churn warning: Won back")
    expect(section).to_contain_text("Booked the spring weekend")
    expect(section).to_contain_text("No open churn warning.")
    assert ChurnWarning.objects.get(guest=lapsed_guest).outcome == "won_back"
