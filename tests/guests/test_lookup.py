"""The front-desk lookup ranks the right guest first: every token narrows (names in any
order, phone tail, birth year, member number, e-mail, city), exact before homophone,
exact spelling before a slip, then the latest stay.

Every test here runs on the database of the run AND on SQLite: on PostgreSQL,
``test_the_lookup_tests_pass_on_sqlite_too`` runs this module again on the embedded
default's database in a subprocess.
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from guests.selectors import guest_lookup, guest_search, search
from tests.factories import GuestFactory, PropertyFactory, StayFactory
from tests.loyalty.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _fresh_cities():
    search.forget_cities()
    yield
    search.forget_cities()


def ids(guests):
    return [g.pk for g in guests]


def li_tao(phone, birth=None, **kwargs):
    return GuestFactory(
        family_name="李",
        given_name="涛",
        family_name_latin="Li",
        given_name_latin="Tao",
        phone=phone,
        birth_date=birth,
        **kwargs,
    )


@pytest.fixture
def namesakes():
    """Twelve 李涛 (Li Tao), told apart by phone tail and birth year only."""
    guests = [li_tao(f"+86138001{i:05d}", dt.date(1970 + i, 3, 1)) for i in range(12)]
    target = li_tao("+8613912340536", dt.date(1985, 7, 9))
    lima = GuestFactory(family_name_latin="Lima", given_name_latin="Tania", phone="+351910000536")
    return {"target": target, "others": guests, "lima": lima}


# --- Typos ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("Bianchi", "Bianchy"), ("Oliveira", "Oliviera"), ("Schneider", "Schnieder"), ("Bianchi", "bianchy marco")],
)
def test_a_slip_finds_the_guest(stored, typed):
    guest = GuestFactory(family_name_latin=stored, given_name_latin="Marco")
    GuestFactory(family_name_latin="Rossi", given_name_latin="Anna")
    GuestFactory(family_name_latin="Bernardi", given_name_latin="Luca")
    assert ids(guest_search(query=typed)) == [guest.pk]


def test_two_words_with_a_slip_meet_two_parts_of_the_name():
    """``danyong`` and ``deng`` share the skeleton ``dng``: each word's slip alone would let
    the family name answer for both words and bring every Deng (18,000 at a million)."""
    target = GuestFactory(family_name="邓", given_name="丹勇", family_name_latin="", given_name_latin="")
    slip = GuestFactory(family_name="丁", given_name="丹勇", family_name_latin="", given_name_latin="")
    others = [
        GuestFactory(family_name="邓", given_name=given, family_name_latin="", given_name_latin="")
        for given in ("小明", "伟", "芳")
    ]
    found = ids(guest_search(query="deng danyong"))
    assert found[:2] == [target.pk, slip.pk]
    assert not set(found) & {g.pk for g in others}
    # Either word may be the slip, in either order; one part is never both words.
    assert target.pk in ids(guest_search(query="danyong dneg"))
    assert ids(guest_search(query="deng danyng"))[:1] == [target.pk]


def test_the_exact_spelling_comes_before_a_slip():
    slip = GuestFactory(family_name_latin="Olivera", given_name_latin="Ana")
    exact = GuestFactory(family_name_latin="Oliveira", given_name_latin="Ana")
    assert ids(guest_search(query="Oliveira")) == [exact.pk, slip.pk]
    assert ids(guest_search(query="Olivera")) == [slip.pk, exact.pk]


# --- Combined tokens in any order ----------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["li tao 0536", "0536 li tao", "tao li 0536", "李涛 0536", "litao 0536", "LI TAO 0536"]
)
def test_a_name_and_a_phone_tail_in_any_order_find_the_one_guest(query, namesakes):
    assert ids(guest_search(query=query)) == [namesakes["target"].pk]


@pytest.mark.parametrize("query", ["li tao 1985", "1985 li tao", "李涛 1985"])
def test_a_name_and_a_birth_year_find_the_one_guest(query, namesakes):
    assert ids(guest_search(query=query)) == [namesakes["target"].pk]


def test_a_phone_tail_alone_finds_every_guest_with_it(namesakes):
    assert set(ids(guest_search(query="0536"))) == {namesakes["target"].pk, namesakes["lima"].pk}


def test_a_token_that_matches_nobody_empties_the_result(namesakes):
    assert guest_search(query="li tao 9999") == []
    assert guest_search(query="li tao M000000000") == []


def test_a_city_narrows_to_guests_who_stayed_there(namesakes):
    shanghai = PropertyFactory(code="SHA", city="Shanghai")
    StayFactory(guest=namesakes["others"][3], property=shanghai, arrival_date=TODAY)
    assert ids(guest_search(query="li tao shanghai")) == [namesakes["others"][3].pk]
    assert ids(guest_search(query="上海 李涛")) == [namesakes["others"][3].pk]


# --- Names: characters before sounds, recency ------------------------------------------------


def test_the_characters_typed_come_before_homophones():
    homophones = [
        GuestFactory(family_name="韦", given_name="芳", family_name_latin="Wei", given_name_latin="Fang"),
        GuestFactory(family_name="魏", given_name="强", family_name_latin="Wei", given_name_latin="Qiang"),
    ]
    exact = [
        GuestFactory(family_name="张", given_name="伟", family_name_latin="Zhang", given_name_latin="Wei"),
        GuestFactory(family_name="王", given_name="伟明", family_name_latin="Wang", given_name_latin="Weiming"),
    ]
    found = ids(guest_search(query="伟"))
    assert set(found[:2]) == {g.pk for g in exact}
    assert set(found[2:]) == {g.pk for g in homophones}


def test_namesakes_are_ranked_by_their_latest_stay(hotel):
    old, recent, never = li_tao("+8613800000001"), li_tao("+8613800000002"), li_tao("+8613800000003")
    StayFactory(guest=old, property=hotel, arrival_date=TODAY - dt.timedelta(days=900))
    StayFactory(guest=recent, property=hotel, arrival_date=TODAY - dt.timedelta(days=10))
    StayFactory(guest=recent, property=hotel, arrival_date=TODAY, status="cancelled", confirmation_number="X1")
    found = guest_search(query="li tao")
    assert ids(found) == [recent.pk, old.pk, never.pk]
    assert found[0].last_stay == TODAY - dt.timedelta(days=10)
    assert found[0].last_city == hotel.city


# --- E-mail and member number ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["li.liu", "LI.LIU", "li.liu@", "li.liu@hotel.example", "li.li"])
def test_the_start_of_an_e_mail_finds_the_guest(query):
    guest = GuestFactory(family_name_latin="Liu", given_name_latin="Li", email="li.liu@hotel.example")
    GuestFactory(family_name_latin="Li", given_name_latin="Ming", email="ming@hotel.example")
    assert ids(guest_search(query=query)) == [guest.pk]


@pytest.mark.parametrize("form", ["{n}", "{d}", "{n_lower}", "{spaced}", "li {d}", "{n} tao"])
def test_a_member_number_with_or_without_its_letter(form):
    membership = MembershipFactory(guest=li_tao("+8613800000009"))
    li_tao("+8613800000008")
    number = membership.member_number
    query = form.format(
        n=number, d=number[1:], n_lower=number.lower(), spaced=f"{number[1:4]} {number[4:7]} {number[7:]}"
    )
    assert ids(guest_search(query=query)) == [membership.guest_id]


def test_an_exact_identifier_comes_first():
    membership = MembershipFactory(guest=GuestFactory(family_name_latin="Zed", given_name_latin="Amy"))
    assert guest_search(query=membership.member_number[1:])[0].pk == membership.guest_id


# --- The count and the hint ------------------------------------------------------------------


def test_a_full_page_shows_the_total_and_a_hint(client, front_desk, settings):
    GuestFactory.create_batch(23, family_name_latin="Smith")
    lookup = guest_lookup(query="smith")
    assert (len(lookup.guests), lookup.total, lookup.is_full) == (20, 23, True)
    client.force_login(front_desk)
    page = client.get("/guests/", {"q": "smith"}).content.decode()
    assert 'data-testid="search-hint"' in page and "20 of 23 guests shown" in page
    assert "Add a token" in page
    few = client.get("/guests/", {"q": "smith 0001"}).content.decode()
    assert 'data-testid="search-hint"' not in few


def test_the_hint_is_in_chinese_too(client, front_desk):
    GuestFactory.create_batch(21, family_name_latin="Smith")
    client.force_login(front_desk)
    page = client.get("/guests/", {"q": "smith"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "21" in page and "Add a token" not in page


def test_the_api_counts_every_match_and_hints(api, front_desk):
    GuestFactory.create_batch(22, family_name_latin="Smith")
    body = api.as_user(front_desk).get("/api/v1/guests/", {"q": "smith"}).json()
    assert (body["count"], len(body["results"])) == (22, 20)
    assert "birth year" in body["hint"]


def test_a_lookup_answers_page_size_matches_on_its_one_page(api, front_desk):
    GuestFactory.create_batch(8, family_name_latin="Smith")
    client = api.as_user(front_desk)
    body = client.get("/api/v1/guests/", {"q": "smith", "page_size": 5, "page": 1}).json()
    assert (body["count"], len(body["results"])) == (8, 5) and "hint" in body
    later = client.get("/api/v1/guests/", {"q": "smith", "page": 2})
    assert later.status_code == 404 and "page" in later.json()["errors"]


@pytest.mark.parametrize(
    "params, fields",
    [
        ({"q": "smith", "page": "true"}, {"page"}),  # schemathesis: was accepted as the first page
        ({"q": "smith", "page": "0"}, {"page"}),
        ({"q": "smith", "page_size": "x"}, {"page_size"}),
        ({"q": "smith", "page_size": "501"}, {"page_size"}),
        ({"q": "!!!", "page": "", "page_size": "0"}, {"q", "page", "page_size"}),  # all at once
    ],
)
def test_a_lookups_page_and_size_are_checked_like_any_list(api, front_desk, params, fields):
    response = api.as_user(front_desk).get("/api/v1/guests/", params)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields


def test_result_rows_tell_namesakes_apart(client, front_desk, hotel, namesakes):
    StayFactory(guest=namesakes["target"], property=hotel, arrival_date=dt.date(2026, 4, 2))
    client.force_login(front_desk)
    page = client.get("/guests/", {"q": "li tao"}).content.decode()
    assert "…0536" in page and "1985" in page and "2026-04-02" in page and hotel.city in page
    assert "+8613912340536" not in page


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "x" * 1000, "!!!", "...", "—", "-- ;"])
def test_bad_queries_are_a_400_naming_q(api, front_desk, query):
    response = api.as_user(front_desk).get("/api/v1/guests/", {"q": query})
    assert response.status_code == 400, response.content
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("query", ["x" * 1000, "!!!", "???"])
def test_bad_queries_on_the_page_say_why(client, front_desk, query):
    client.force_login(front_desk)
    response = client.get("/guests/", {"q": query})
    assert response.status_code == 200
    assert 'data-testid="search-error"' in response.content.decode()


def test_the_selector_never_fails_on_odd_input():
    for query in ["", "x" * 1000, "\x00\x01", "@", "+", "1985", "M", "李", "a.", "_x_", "0" * 50]:
        guest_search(query=query)


# --- The same on SQLite ------------------------------------------------------------------------


def test_the_lookup_tests_pass_on_sqlite_too():
    """This module again on SQLite (the embedded default's database), when the run is on
    PostgreSQL: typo tolerance and ranking must not depend on pg_trgm."""
    if connection.vendor != "postgresql":
        pytest.skip("this run is the SQLite run")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env["DJANGO_SETTINGS_MODULE"] = "crm_site.settings.test"
    result = subprocess.run(  # noqa: S603 (our own test module, fixed arguments)
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-x",
            "--create-db",
            "--nomigrations",
            __file__,
            "-k",
            "not sqlite_too",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
