"""A salesperson in a real (headless Chromium) browser: open one of their accounts, record
a visit with a next step, tick a milestone, and see both on the roadmap board and in
their agenda."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AccountMilestone, Activity

from .factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_records_a_visit_ticks_a_milestone_and_sees_them(page, login, salesperson):
    from playwright.sync_api import expect

    account = AccountFactory(name="Acme Travel", owner=salesperson, account_class="key")
    today = timezone.localdate()
    next_due = today + dt.timedelta(days=3)

    login(salesperson)
    page.goto("/accounts/")
    page.get_by_test_id("account-list").get_by_role("link", name="Acme Travel").click()
    expect(page.get_by_test_id("account-name")).to_contain_text("Acme Travel")

    page.locator("nav.tabs").get_by_role("link", name="Activities").click()
    form = page.get_by_test_id("activity-form")
    form.get_by_label("Kind:", exact=True).select_option("visit")
    form.get_by_label("Subject").fill("Visit the travel office")
    form.get_by_label("Due on (or done on)").fill(today.isoformat())
    form.get_by_label("Outcome (if already done)").fill("They want monthly billing")
    form.get_by_label("Next step:", exact=True).fill("Send the billing proposal")
    form.get_by_label("Next step due on").fill(next_due.isoformat())
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Activity saved.")
    expect(page.get_by_test_id("done-activities")).to_contain_text("They want monthly billing")
    expect(page.get_by_test_id("open-activities")).to_contain_text("Send the billing proposal")

    page.locator("nav.tabs").get_by_role("link", name="Roadmap").click()
    page.get_by_test_id("tick-identify-account").get_by_role("button", name="Tick").click()
    expect(page.locator(".messages")).to_contain_text("Milestone ticked.")
    expect(page.get_by_test_id("roadmap-progress")).to_contain_text("Decision makers and bookers identified")

    page.goto("/accounts/board/?owner=me")
    tile = page.get_by_test_id("board").locator(f"[data-account='{account.pk}']")
    expect(tile).to_contain_text("Acme Travel")
    expect(tile.get_by_test_id("next-milestone")).to_contain_text("Decision makers and bookers identified")
    expect(page.locator("[data-stage='prospect']")).to_contain_text("Acme Travel")

    page.goto("/accounts/agenda/")
    expect(page.get_by_test_id("agenda-upcoming")).to_contain_text("Send the billing proposal")
    expect(page.get_by_test_id("agenda-done")).to_contain_text("Visit the travel office")

    assert AccountMilestone.objects.filter(account=account, milestone__code="identify-account").exists()
    visit = Activity.objects.get(account=account, status="done")
    assert (visit.kind, visit.follow_up.due_on, visit.follow_up.status) == ("visit", next_due, "open")
