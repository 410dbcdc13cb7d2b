"""An agent types a pinyin name and a phone tail: among twelve namesakes the right guest
is the first result, and it opens."""

import datetime as dt

import pytest

from tests.factories import GuestFactory, StayFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def li_tao(phone, birth):
    return GuestFactory(
        family_name="李",
        given_name="涛",
        family_name_latin="Li",
        given_name_latin="Tao",
        phone=phone,
        birth_date=birth,
    )


def test_pinyin_name_and_phone_tail_open_the_right_guest_first(page, login, front_desk, hotel):
    from playwright.sync_api import expect

    namesakes = [li_tao(f"+86138001{i:05d}", dt.date(1970 + i, 1, 1)) for i in range(12)]
    for guest in namesakes:  # namesakes who stayed more recently must not push it down
        StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2026, 5, 1))
    target = li_tao("+8613912340536", dt.date(1985, 7, 9))

    login(front_desk)
    page.goto("/guests/")
    with page.expect_response(lambda r: "q=li+tao+0536" in r.url or "q=li%20tao%200536" in r.url):
        page.fill("input[name=q]", "li tao 0536")
    first = page.get_by_test_id("search-results").locator("li").first
    expect(first).to_contain_text("李涛")
    expect(first.get_by_test_id("search-row-facts")).to_contain_text("…0536")
    expect(first.get_by_test_id("search-row-facts")).to_contain_text("1985")
    first.get_by_role("link").first.click()
    expect(page).to_have_url(f"/guests/{target.pk}/")


def test_a_name_alone_shows_the_count_and_the_hint(page, login, front_desk):
    from playwright.sync_api import expect

    for i in range(22):
        li_tao(f"+86138002{i:05d}", None)
    login(front_desk)
    page.goto("/guests/?q=li+tao")
    expect(page.get_by_test_id("search-hint")).to_contain_text("20 of 22")
