"""The front desk in a real (headless Chromium) browser: search as you type by pinyin,
open the 360 page, and the conflict message when two agents edit one profile."""

import re

import pytest

from guests.models import Guest
from tests.factories import GuestPreferenceFactory, PreferenceTypeFactory
from tests.guests.factories import chinese_guest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wei(transactional_db):
    guest = chinese_guest(email="zhang.wei@mail.example")
    chinese_guest(family_name="王", given_name="芳", family_name_latin="Wang", given_name_latin="Fang")
    pillow = PreferenceTypeFactory(code="browser-pillow", label="Feather pillow")
    GuestPreferenceFactory(guest=guest, preference_type=pillow)
    return guest


def test_front_desk_finds_a_guest_by_pinyin_and_sees_a_preference(page, login, front_desk, wei):
    from playwright.sync_api import expect

    login(front_desk)
    page.goto("/guests/")
    with page.expect_response(lambda r: "/guests/?q=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("input[name=q]", "zhang wei")
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("张伟")
    expect(results).not_to_contain_text("王芳")
    expect(page).to_have_url(re.compile(r"/guests/\?q=zhang(\+|%20)wei$"))  # hx-push-url: bookmarkable

    results.get_by_role("link", name="张伟").click()
    expect(page).to_have_url(f"/guests/{wei.pk}/")
    expect(page.get_by_test_id("preferences")).to_contain_text("Feather pillow")


def test_second_agent_saving_a_stale_profile_sees_the_conflict(
    browser, live_server, page, login, front_desk, guest_relations, wei
):
    from playwright.sync_api import expect

    first = login(front_desk)
    second_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    second_context.set_default_timeout(10_000)
    try:
        second = second_context.new_page()
        second.goto("/login/")
        second.fill("#id_username", guest_relations.username)
        second.fill("#id_password", "pass12345!")
        second.click("button[type=submit]")
        second.wait_for_url("**/guests/")

        first.goto(f"/guests/{wei.pk}/edit/")
        second.goto(f"/guests/{wei.pk}/edit/")

        first.fill("textarea[name=notes]", "Prefers a quiet room")
        first.click("form.card button[type=submit]")
        expect(first).to_have_url(f"/guests/{wei.pk}/")

        second.fill("input[name=given_name_latin]", "Wayne")
        second.click("form.card button[type=submit]")
        expect(second.get_by_test_id("conflict")).to_be_visible()
        # The form now shows the first agent's change, not the stale copy.
        expect(second.locator("textarea[name=notes]")).to_have_value("Prefers a quiet room")
        expect(second.locator("input[name=given_name_latin]")).to_have_value("Wei")
    finally:
        second_context.close()

    guest = Guest.objects.get(pk=wei.pk)
    assert (guest.notes, guest.given_name_latin, guest.version) == ("Prefers a quiet room", "Wei", 2)
