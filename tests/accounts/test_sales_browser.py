"""A salesperson in a real (headless Chromium) browser: open an account, record a visit
with a next step, tick a milestone, and see them on the board and in their scorecard;
the account's Production tab shows its attributed stays."""

import datetime as dt

import pytest
from django.utils import timezone

from guests.services import stays_upsert
from tests.guests.factories import stay_row

from .factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_sees_the_visit_and_milestone_on_the_board_and_in_the_scorecard(page, login, salesperson):
    from playwright.sync_api import expect

    account = AccountFactory(name="Acme Travel", owner=salesperson, account_class="key")
    today = timezone.localdate()
    arrival = today.replace(day=1)
    stays_upsert(
        rows=[
            stay_row(
                arrival_date=arrival.isoformat(),
                departure_date=(arrival + dt.timedelta(days=2)).isoformat(),
                room_revenue="240.00",
                fnb_revenue="0",
                company_account=account.pk,
            )
        ]
    )

    login(salesperson)
    page.goto(f"/accounts/{account.pk}/")
    page.locator("nav.tabs").get_by_role("link", name="Activities").click()
    form = page.get_by_test_id("activity-form")
    form.get_by_label("Kind:", exact=True).select_option("visit")
    form.get_by_label("Subject").fill("Visit the travel office")
    form.get_by_label("Due on (or done on)").fill(today.isoformat())
    form.get_by_label("Outcome (if already done)").fill("They want monthly billing")
    form.get_by_label("Next step:", exact=True).fill("Send the billing proposal")
    form.get_by_label("Next step due on").fill((today + dt.timedelta(days=3)).isoformat())
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("open-activities")).to_contain_text("Send the billing proposal")

    page.locator("nav.tabs").get_by_role("link", name="Roadmap").click()
    page.get_by_test_id("tick-identify-account").get_by_role("button", name="Tick").click()
    expect(page.locator(".messages")).to_contain_text("Milestone ticked.")

    page.goto("/accounts/board/?owner=me")
    tile = page.get_by_test_id("board").locator(f"[data-account='{account.pk}']")
    expect(tile.get_by_test_id("next-milestone")).to_contain_text("Decision makers and bookers identified")

    page.goto(f"/accounts/{account.pk}/")
    page.locator("nav.tabs").get_by_role("link", name="Production").click()
    expect(page.get_by_test_id("production-total")).to_contain_text("240.00")

    page.get_by_role("link", name="Scorecards").first.click()
    card = page.get_by_test_id("scorecard").filter(has_text="Rep")
    expect(card.get_by_test_id("actual-activities")).to_have_text("1")
    expect(card.get_by_test_id("actual-room_nights")).to_have_text("2")
    expect(card.get_by_test_id("actual-new_accounts")).to_have_text("1")
