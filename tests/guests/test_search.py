"""Front-desk lookup: names in any spelling, pinyin, phone suffixes, e-mails.

Typo tolerance (one vowel or doubled-letter slip) works on every database through the
consonant skeleton keys; PostgreSQL adds variant / trigram search for what finds nobody.
"""

import pytest

from guests.selectors import guest_search
from tests.factories import GuestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mueller():
    return GuestFactory(
        family_name_latin="Müller", given_name_latin="Thomas", email="t.mueller@mail.example", phone="+351912345678"
    )


@pytest.fixture
def zhang_wei():
    return GuestFactory(
        family_name="张",
        given_name="伟",
        family_name_latin="Zhang",
        given_name_latin="Wei",
        email="zhang.wei@mail.example",
        phone="+8613800138000",
    )


@pytest.fixture
def bystanders():
    """Guests that must NOT match the queries below (guards against 'returns everyone')."""
    return [
        GuestFactory(
            family_name_latin="Silva", given_name_latin="Ana", email="ana@mail.example", phone="+351911111111"
        ),
        GuestFactory(family_name="王", given_name="芳", family_name_latin="Wang", given_name_latin="Fang"),
        GuestFactory(family_name="李", given_name="娜", family_name_latin="Li", given_name_latin="Na"),
    ]


def ids(guests):
    return [g.pk for g in guests]


# --- Names: accents, case, typos ---------------------------------------------------------


@pytest.mark.parametrize("query", ["Müller", "muller", "MÜLLER", "Muller Thomas", "thomas müller", "mull"])
def test_accents_and_case_do_not_matter(query, mueller, bystanders):
    assert ids(guest_search(query=query)) == [mueller.pk]


@pytest.mark.parametrize("query", ["Mueller", "mueller thomas", "Thomas Mueller"])
def test_german_transliteration_finds_umlaut_names_on_every_database(query, mueller, bystanders):
    assert ids(guest_search(query=query)) == [mueller.pk]


@pytest.mark.parametrize("query", ["Mueller", "Muler", "Mülller", "Thomas Muler"])
def test_typos_find_the_guest_on_every_database(query, mueller, bystanders):
    assert mueller.pk in ids(guest_search(query=query))
    assert not {g.pk for g in bystanders} & set(ids(guest_search(query=query)))


def test_typo_search_ranks_closest_spelling_first(mueller):
    other = GuestFactory(family_name_latin="Mullins", given_name_latin="Kate")
    found = ids(guest_search(query="Muler"))
    assert found[0] == mueller.pk
    assert other.pk not in found[:1]


def test_unrelated_name_finds_nothing(mueller, zhang_wei, bystanders):
    assert guest_search(query="Kowalczyk") == []


def test_empty_or_blank_query_finds_nothing(mueller):
    assert guest_search(query="") == []
    assert guest_search(query="   ") == []
    assert guest_search(query="!!!") == []


# --- Chinese names: pinyin, joined pinyin, initials, characters --------------------------


@pytest.mark.parametrize("query", ["zhang wei", "Zhang Wei", "zhangwei", "ZHANGWEI", "zw", "张伟", "张", "zhang"])
def test_pinyin_and_characters_find_chinese_name(query, zhang_wei, bystanders):
    assert ids(guest_search(query=query)) == [zhang_wei.pk]


def test_given_name_first_pinyin_finds_chinese_name(zhang_wei, bystanders):
    # "wei zhang" is how a Western booking engine often sends the name.
    assert zhang_wei.pk in ids(guest_search(query="wei zhang"))


def test_initials_do_not_match_other_initials(zhang_wei, bystanders):
    wang_fang = bystanders[1]
    assert ids(guest_search(query="wf")) == [wang_fang.pk]


# --- Phone --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["5678", "345678", "912345678", "+351 912 345 678", "912-345-678", "(912) 345678"])
def test_phone_by_last_four_or_more_digits(query, mueller, bystanders):
    assert ids(guest_search(query=query)) == [mueller.pk]


def test_three_digits_is_not_a_phone_search(mueller):
    assert mueller.phone.endswith("678")
    assert guest_search(query="678") == []


def test_phone_digits_in_the_middle_do_not_match(mueller):
    # Suffix search: "1234" occurs inside +351912345678 but is not its end.
    assert guest_search(query="1234") == []


# --- E-mail -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["t.mueller@mail.example", "T.Mueller@Mail.example", "t.mueller@", "t.mueller@ma"])
def test_email_prefix(query, mueller, bystanders):
    assert ids(guest_search(query=query)) == [mueller.pk]


def test_email_is_a_prefix_search_not_a_substring_search(mueller):
    assert guest_search(query="mueller@mail.example") == []


# --- Merged guests and limits -------------------------------------------------------------


@pytest.mark.parametrize("query", ["zhang wei", "zw", "张伟", "8000", "zhang.wei@"])
def test_merged_guests_never_appear(query, zhang_wei):
    merged = GuestFactory(
        family_name="张",
        given_name="伟",
        family_name_latin="Zhang",
        given_name_latin="Wei",
        email="zhang.wei@old.example",
        phone="+8613900138000",
        merged_into=zhang_wei,
    )
    found = ids(guest_search(query=query))
    assert merged.pk not in found
    assert found == [zhang_wei.pk]


@pytest.mark.postgres
def test_merged_guests_never_appear_in_typo_search(mueller):
    merged = GuestFactory(family_name_latin="Müller", given_name_latin="Thomas", merged_into=mueller)
    assert merged.pk not in ids(guest_search(query="Muler"))


def test_limit_is_respected_on_prefix_matches():
    GuestFactory.create_batch(6, family_name_latin="Smith")
    assert len(guest_search(query="smith", limit=4)) == 4
    assert len(guest_search(query="smith")) == 6


def test_default_limit_comes_from_settings(settings):
    settings.GUEST_SEARCH_LIMIT = 3
    GuestFactory.create_batch(5, family_name_latin="Smith")
    assert len(guest_search(query="smith")) == 3


def test_limit_is_respected_on_phone_and_email():
    for n in range(5):
        GuestFactory(phone=f"+35191000{n}4321", email=f"same{n}@mail.example")
    assert len(guest_search(query="4321", limit=2)) == 2
    assert len(guest_search(query="same", limit=5)) == 0  # no "@": a name search, not an e-mail one
    assert len(guest_search(query="same1@", limit=2)) == 1


@pytest.mark.postgres
def test_limit_is_respected_when_typo_matches_fill_up():
    exact = GuestFactory(family_name_latin="Muller", given_name_latin="Thomas")
    GuestFactory.create_batch(5, family_name_latin="Muller", given_name_latin="Tomas")
    assert len(guest_search(query="Muller Thomas", limit=10)) == 6
    found = guest_search(query="Muller Thomas", limit=3)
    assert len(found) == 3
    assert found[0].pk == exact.pk


# --- SQLite fallback (also runs on PostgreSQL: the same results must come back) ----------


def test_fallback_finds_exact_prefix_and_pinyin(mueller, zhang_wei, bystanders):
    assert ids(guest_search(query="muller thomas")) == [mueller.pk]
    assert ids(guest_search(query="mul")) == [mueller.pk]
    assert ids(guest_search(query="zhangwei")) == [zhang_wei.pk]
    assert ids(guest_search(query="zw")) == [zhang_wei.pk]


def test_word_order_and_typos_work_without_pg_trgm(mueller, zhang_wei, bystanders):
    assert ids(guest_search(query="thomas muller")) == [mueller.pk]
    assert ids(guest_search(query="wei zhang")) == [zhang_wei.pk]
    assert ids(guest_search(query="Muler")) == [mueller.pk]


# --- Through the API ----------------------------------------------------------------------


def test_api_search_by_pinyin(api, front_desk, zhang_wei, bystanders):
    response = api.as_user(front_desk).get("/api/v1/guests/", {"q": "zhang wei"})
    assert response.status_code == 200
    assert [g["id"] for g in response.json()["results"]] == [zhang_wei.pk]
    assert response.json()["count"] == 1


def test_api_search_combines_with_filters(api, front_desk):
    prt = GuestFactory(family_name_latin="Smith", nationality="PRT")
    GuestFactory(family_name_latin="Smith", nationality="GBR")
    response = api.as_user(front_desk).get("/api/v1/guests/", {"q": "smith", "nationality": "prt"})
    assert [g["id"] for g in response.json()["results"]] == [prt.pk]


def test_api_search_respects_the_limit(api, front_desk, settings):
    settings.GUEST_SEARCH_LIMIT = 4
    GuestFactory.create_batch(6, family_name_latin="Smith")
    response = api.as_user(front_desk).get("/api/v1/guests/", {"q": "smith"})
    assert len(response.json()["results"]) == 4
