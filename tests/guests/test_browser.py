"""The front desk in a real (headless Chromium) browser: search as you type by pinyin,
open the 360 page, the conflict message when two agents edit one profile, a new
profile that matches an existing guest, and the 360 page in Chinese."""

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
        # The second agent keeps what they typed, and sees where it differs from the
        # version saved now (the first agent's note), before saving again.
        expect(second.locator("input[name=given_name_latin]")).to_have_value("Wayne")
        differences = second.get_by_test_id("differences")
        expect(differences).to_contain_text("Prefers a quiet room")
        expect(differences).to_contain_text("Wayne")
    finally:
        second_context.close()

    guest = Guest.objects.get(pk=wei.pk)
    assert (guest.notes, guest.given_name_latin, guest.version) == ("Prefers a quiet room", "Wei", 2)


def test_a_new_profile_with_an_existing_email_shows_the_duplicate_and_waits_for_confirmation(
    page, login, front_desk, wei
):
    from playwright.sync_api import expect

    login(front_desk)
    page.goto("/guests/new/")
    page.fill("input[name=family_name_latin]", "Zhang")
    page.fill("input[name=given_name_latin]", "W.")
    page.fill("input[name=email]", "zhang.wei@mail.example")
    page.select_option("select[name=nationality]", "CHN")
    page.click("form.card button[type=submit]")

    expect(page.get_by_test_id("duplicates")).to_be_visible()
    expect(page.get_by_test_id("duplicate-candidate")).to_have_attribute("href", f"/guests/{wei.pk}/")
    assert Guest.objects.count() == 2  # nothing created yet
    expect(page.locator("input[name=email]")).to_have_value("zhang.wei@mail.example")

    page.get_by_test_id("confirm-new").click()
    expect(page).to_have_url(re.compile(r"/guests/\d+/$"))
    assert Guest.objects.count() == 3


# Words of the English interface that must not be left on the Chinese 360 page.
ENGLISH_LABELS = re.compile(
    r"\b(Identity|Preferences|Stay history|Notes|Nationality|Language|Birth date|Gender|Property|Status|"
    r"Arrival|Nights|Channel|Room|Feather pillow|Checked out|Edit profile|Add|Filter|Year|All|Clear)\b"
)


def test_the_chinese_360_page_has_no_english_labels_left(browser, live_server, front_desk, wei, hotel):
    from playwright.sync_api import expect

    from tests.factories import GuestNoteFactory, StayFactory

    PreferenceTypeFactory._meta.model.objects.filter(code="browser-pillow").update(label_zh="羽绒枕")
    hotel.name_zh = "里斯本城市酒店"
    hotel.save()
    StayFactory(guest=wei, property=hotel, status="checked_out")
    GuestNoteFactory(guest=wei, kind="alert", text="坚果过敏")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", front_desk.username)
        page.fill("#id_password", "pass12345!")
        page.click("button[type=submit]")
        page.wait_for_url("**/guests/")
        context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
        page.goto(f"/guests/{wei.pk}/")
        expect(page.get_by_test_id("alerts")).to_contain_text("坚果过敏")
        main = page.locator("main")
        text = main.inner_text()
        # Labels only: what staff typed (names, e-mails, codes) may be in any script.
        labels = "\n".join(
            page.locator(
                "main h2, main dt, main th, main label, main button, main .badge, main option"
            ).all_inner_texts()
        )
        leftover = ENGLISH_LABELS.findall(labels)
        assert not leftover, leftover
        assert "羽绒枕" in text and "Feather pillow" not in text
        assert "No notes." not in text
    finally:
        context.close()


@pytest.mark.parametrize("width", [768, 1024, 1366, 1920])
def test_the_360_page_holds_from_768_px_to_wide_screens(browser, live_server, front_desk, wei, hotel, width):
    from tests.factories import GuestNoteFactory, StayFactory

    for i in range(25):
        StayFactory(guest=wei, property=hotel, confirmation_number=f"WIDE-{i:04d}-LONG-CONFIRMATION")
    GuestNoteFactory(guest=wei, kind="alert", text="Severe nut allergy — inform the kitchen before every meal")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", front_desk.username)
        page.fill("#id_password", "pass12345!")
        page.click("button[type=submit]")
        page.wait_for_url("**/guests/")
        page.goto(f"/guests/{wei.pk}/")
        # Nothing wider than the window (wide tables scroll inside their card) ...
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
            ".slice(0, 12).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right) + ':' + (e.textContent || '').slice(0, 25))"
        )
        assert overflow <= 0, f"{overflow}px wider than a {width}px window: {wide}"
        # ... and the top bar stays one line high.
        height = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
        assert height < 60, f"the header wraps at {width}px ({height}px high)"
    finally:
        context.close()
