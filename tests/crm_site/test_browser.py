"""The pages under the enforced Content-Security-Policy in a real (headless Chromium)
browser: no violation is reported while each role does its daily round, htmx still
searches as you type, the language picker still submits itself, Swagger UI and the
Django admin still work."""

import pytest
from django.core.management import call_command

from guests.demo import DEMO_PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", guests=60, seed=3, verbosity=0)
    call_command("run_segmentation", verbosity=0)
    from django.contrib.auth.models import User

    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def violations(page):
    """Every console message about the Content Security Policy or the Permissions Policy."""
    seen = []

    def record(message):
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Permissions Policy" in text:
            seen.append(f"{page.url}: {text}")

    page.on("console", record)
    return seen


def _login(login, page, user, password=DEMO_PASSWORD):
    page.context.clear_cookies()
    return login(user, password=password)


def test_the_daily_round_reports_no_policy_violation(page, login, demo, violations):
    from playwright.sync_api import expect

    from guests.models import Guest

    guest = Guest.objects.active().filter(stays__isnull=False).order_by("pk").first()
    name = guest.family_name_latin or guest.family_name

    _login(login, page, demo["desk"])
    page.goto("/guests/")
    with page.expect_response(lambda r: "/guests/?q=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("input[name=q]", name)
    expect(page.get_by_test_id("search-results")).to_be_visible()
    page.goto(f"/guests/{guest.pk}/")
    expect(page.locator("h1")).to_be_visible()
    page.goto("/guests/arrivals/")
    page.wait_for_load_state("networkidle")

    _login(login, page, demo["relations"])
    for url in ("/complaints/", "/complaints/new/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")

    _login(login, page, demo["sales"])
    page.goto("/analytics/")
    expect(page.get_by_test_id("migration-matrix")).to_be_visible()
    # The heat map keeps its colours through CSS classes, not inline styles.
    coloured = page.locator("[data-testid=migration-matrix] td.heat-10")
    assert coloured.count() >= 1
    assert coloured.first.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(31, 95, 139)"
    page.goto("/complaints/analysis/")
    page.wait_for_load_state("networkidle")

    _login(login, page, demo["admin"])
    for url in ("/care/", "/loyalty/members/", "/account/tokens/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_language_picker_still_submits_itself(page, login, demo, violations):
    from playwright.sync_api import expect

    _login(login, page, demo["desk"])
    page.goto("/guests/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert violations == []


def test_swagger_ui_renders_under_the_policy(page, login, demo, violations):
    from playwright.sync_api import expect

    _login(login, page, demo["admin"])
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hotel Guest CRM API")
    # A tag heading: Swagger UI lays a long operation list out virtually (no tag sections).
    expect(page.locator(".opblock-tag").first).to_be_visible()
    assert violations == []


def test_the_django_admin_works_under_the_policy(page, login, demo, violations):
    from playwright.sync_api import expect

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pass12345!")
    page.click("input[type=submit]")
    expect(page).to_have_url("/admin/")
    for url in (
        "/admin/auth/user/",
        f"/admin/auth/user/{root.pk}/change/",
        "/admin/tokens/apitoken/",
        "/admin/guests/guest/",
        "/admin/axes/accessattempt/",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    # The admin's JavaScript still runs: the user form's group selector is the
    # script-built "filter horizontal" widget.
    page.goto(f"/admin/auth/user/{root.pk}/change/")
    expect(page.locator(".selector-available").first).to_be_visible()
    assert violations == []
