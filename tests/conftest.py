import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from crm_site import roles
from tests.factories import PropertyFactory, UserFactory


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language: a page requested in Chinese
    leaves Chinese active in the thread (LocaleMiddleware activates, nothing resets),
    and the next test's messages would be Chinese."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def hotel(db):
    return PropertyFactory(code="LIS", name="Lisbon City")


@pytest.fixture
def other_hotel(db):
    return PropertyFactory(code="ALG", name="Algarve Resort")


def _user(role, hotel, username=None):
    return UserFactory(username=username or role, roles=[role], properties=[hotel])


@pytest.fixture
def front_desk(hotel):
    return _user(roles.FRONT_DESK, hotel)


@pytest.fixture
def guest_relations(hotel):
    return _user(roles.GUEST_RELATIONS, hotel)


@pytest.fixture
def sales_manager(hotel):
    return _user(roles.SALES_MANAGER, hotel)


@pytest.fixture
def chain_admin(hotel):
    return _user(roles.CHAIN_ADMIN, hotel)


@pytest.fixture
def integrator(hotel):
    return _user(roles.INTEGRATOR, hotel)


@pytest.fixture
def integrator_readonly(hotel):
    return _user(roles.INTEGRATOR_READONLY, hotel)


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates it."""
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user=user)
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def is_postgres(db):
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


# --- Browser tests (headless Chromium through Playwright) ------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the live server's database
    # access is still synchronous, so Django's async guard must be told it is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """``login(user)`` signs a user in through the real login page (password pass12345!)."""

    def _login(user, password="pass12345!"):
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return _login
