"""Properties of the search keys and of guest lookup, for generated names, phones and
whatever an agent (or an attacker) types."""

import contextlib
import string

import pytest
from django.conf import settings
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from guests import search_keys, services
from guests.selectors import guest_search

# Common family names and given-name characters (each a single, unambiguous reading).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红鹏林斌波宇浩凯健俊帆帅旭宁龙琳雪晨欣怡佳琪思文博轩子涵梓睿嘉豪"
LATIN = string.ascii_letters + "àáâäçèéêëíîïñóôöúûüÀÉÖÜß'- "

chinese_names = st.tuples(st.sampled_from(SURNAMES), st.text(alphabet=GIVEN, min_size=1, max_size=2))
latin_words = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=12).map(str.capitalize)
any_name_text = st.text(alphabet=LATIN + SURNAMES + GIVEN + string.digits + "()@.,!?\x00\n", max_size=60)

# Phones as guests give them: Portuguese and Chinese mobiles.
pt_mobiles = st.tuples(st.sampled_from(["91", "92", "93", "96"]), st.text(string.digits, min_size=7, max_size=7))
cn_mobiles = st.tuples(
    st.sampled_from(["138", "139", "150", "186", "177"]), st.text(string.digits, min_size=8, max_size=8)
)
phones = st.one_of(
    pt_mobiles.map(lambda p: "+351 " + "".join(p)),
    cn_mobiles.map(lambda p: "".join(p)),  # national form: the default region is China
)

DB_SETTINGS = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextlib.contextmanager
def rolled_back():
    """Each example's guests vanish afterwards, so examples do not crowd each other's
    results (the lookup returns at most GUEST_SEARCH_LIMIT guests)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def pinyin(text: str) -> list[str]:
    return lazy_pinyin(text)


# --- Name keys (no database) -------------------------------------------------------------------


@given(any_name_text, any_name_text, any_name_text, any_name_text)
def test_name_keys_never_fail_and_stay_within_their_columns(family, given_name, family_latin, given_latin):
    keys = search_keys.name_keys(
        family_name=family, given_name=given_name, family_name_latin=family_latin, given_name_latin=given_latin
    )
    assert len(keys["search_document"]) <= 2000
    assert len(keys["name_key"]) <= 200 and len(keys["name_initials"]) <= 20
    assert keys["name_key"].isascii() and not any(c.isspace() for c in keys["name_key"])
    assert keys["name_key"] == keys["name_key"].lower() and "\x00" not in keys["search_document"]


@given(any_name_text)
def test_to_latin_is_lower_case_ascii_and_idempotent(text):
    latin = search_keys.to_latin(text)
    assert latin.isascii() and latin == latin.lower() and latin == latin.strip()
    assert "  " not in latin
    assert search_keys.to_latin(latin) == latin


@given(chinese_names)
def test_chinese_name_keys_are_pinyin_joined_and_initials(name):
    family, given_name = name
    keys = search_keys.name_keys(family_name=family, given_name=given_name, family_name_latin="", given_name_latin="")
    syllables = pinyin(family) + pinyin(given_name)
    assert keys["name_key"] == "".join(syllables)
    assert keys["name_initials"] == "".join(p[0] for p in lazy_pinyin(family + given_name, style=Style.FIRST_LETTER))
    assert " ".join(syllables) in keys["search_document"]
    assert f"{family}{given_name}" in keys["search_document"]


@given(latin_words, latin_words)
def test_latin_name_keys_are_the_names_joined_and_their_initials(family, given_name):
    keys = search_keys.name_keys(family_name="", given_name="", family_name_latin=family, given_name_latin=given_name)
    assert keys["name_key"] == (family + given_name).lower()
    assert keys["name_initials"] == (family[0] + given_name[0]).lower()
    assert f"{given_name} {family}".lower() in keys["search_document"]


@given(phones)
def test_phone_reversal_turns_every_suffix_into_a_prefix(raw):
    e164 = search_keys.normalise_phone(raw)
    assert e164.startswith("+") and e164[1:].isdigit()
    reversed_digits = search_keys.phone_reversed(e164)
    assert reversed_digits[::-1] == e164[1:]
    for k in range(4, len(e164)):
        assert reversed_digits.startswith(e164[-k:][::-1])


@given(st.text(max_size=40))
def test_normalise_phone_raises_only_invalid_phone(raw):
    try:
        e164 = search_keys.normalise_phone(raw)
    except search_keys.InvalidPhone:
        return
    assert e164 == "" or (e164.startswith("+") and e164[1:].isdigit())


# --- One-deletion variants (the PostgreSQL typo index) -------------------------------------------


def _one_slip(word: str, data) -> str:
    """The word with one slip of the finger: a letter dropped, added, changed or two swapped."""
    i = data.draw(st.integers(min_value=0, max_value=len(word) - 2))
    letter = data.draw(st.sampled_from(string.ascii_lowercase))
    kind = data.draw(st.sampled_from(["drop", "add", "change", "swap"]))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "add":
        return word[:i] + letter + word[i:]
    if kind == "change":
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@pytest.mark.postgres
@pytest.mark.django_db
@DB_SETTINGS
@given(st.text(alphabet=string.ascii_lowercase, min_size=5, max_size=12), st.data())
def test_a_word_and_its_slip_share_a_deletion_variant(word, data):
    slip = _one_slip(word, data)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT guests_search_variants(%s, %s) && guests_search_variants(%s, %s), "
            "guests_search_variants('', %s) && guests_search_variants('', %s)",
            [word, "", slip, "", word, slip],
        )
        as_words, as_joined_names = cursor.fetchone()
    assert as_words and as_joined_names


# --- Lookup: any saved name is found by its keys, any phone by its suffixes -----------------------


def _found(query: str, guest_id: int) -> bool:
    return guest_id in {g.pk for g in guest_search(query=query)}


@pytest.mark.django_db
@DB_SETTINGS
@given(chinese_names)
def test_any_chinese_name_is_found_by_its_key_and_its_pinyin_forms(name):
    family, given_name = name
    with rolled_back():
        guest = services.guest_create(data={"family_name": family, "given_name": given_name})
        fam, giv = "".join(pinyin(family)), "".join(pinyin(given_name))
        for query in (guest.name_key, f"{fam} {giv}", f"{giv} {fam}", f"{fam}{giv}", guest.name_initials):
            assert _found(query, guest.pk), query
        assert _found(f"{family}{given_name}", guest.pk)


@pytest.mark.django_db
@DB_SETTINGS
@given(latin_words, latin_words)
def test_any_latin_name_is_found_by_its_key_in_either_order(family, given_name):
    with rolled_back():
        guest = services.guest_create(data={"family_name_latin": family, "given_name_latin": given_name})
        for query in (guest.name_key, f"{family} {given_name}", f"{given_name} {family}", family.upper()):
            assert _found(query, guest.pk), query


@pytest.mark.django_db
@DB_SETTINGS
@given(phones, st.data())
def test_any_phone_is_found_by_any_suffix_of_four_digits_or_more(raw, data):
    with rolled_back():
        guest = services.guest_create(data={"family_name_latin": "Phone", "phone": raw})
        digits = guest.phone[1:]
        k = data.draw(st.integers(min_value=4, max_value=len(digits)))
        assert _found(digits[-k:], guest.pk)
        spaced = " ".join(digits[-k:][i : i + 3] for i in range(0, k, 3))
        assert _found(spaced, guest.pk), spaced


# --- Whatever is typed -----------------------------------------------------------------------------


@pytest.mark.django_db
@DB_SETTINGS
@given(st.text(max_size=1000))
@example("\x00")
@example("zhang\x00wei")
@example("a" * 1000)
@example("!@#$%^&*()_+-=[]{};':\",./<>?\\|`~")
@example("%_%_%")
@example("@")
@example("1234\x00")
@example("\u200b\u202e\ufeff")
@example("🙂" * 300)
def test_search_never_fails_and_returns_a_bounded_list(query):
    results = guest_search(query=query)
    assert isinstance(results, list) and len(results) <= settings.GUEST_SEARCH_LIMIT


@pytest.mark.django_db
@DB_SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300))
@example("\x00")
@example("%")
def test_search_page_and_api_answer_any_query(client, api, front_desk, query):
    client.force_login(front_desk)
    page = client.get("/guests/", {"q": query})
    assert page.status_code == 200
    response = api.as_user(front_desk).get("/api/v1/guests/", {"q": query})
    assert response.status_code in (200, 400), response.content[:300]
    body = response.json()
    if response.status_code == 400:  # empty, too long or punctuation only: the field is named
        assert set(body["errors"]) == {"q"}
    else:
        assert len(body["results"]) <= settings.GUEST_SEARCH_LIMIT <= body["count"] or (
            body["count"] == len(body["results"])
        )


# --- Typo keys and tokens in any order (every database) ----------------------------------------------

VOWELS = "aeiou"


def _vowel_slip(word: str, data) -> str:
    """A slip the skeleton forgives: a vowel changed, two neighbouring vowels swapped, a
    letter doubled or an h dropped (never the first letter)."""
    inner = [i for i in range(1, len(word)) if word[i] in VOWELS]
    kind = data.draw(st.sampled_from(["change", "swap", "double", "drop-h"] if inner else ["double"]))
    if kind == "double":
        i = data.draw(st.integers(min_value=1, max_value=len(word) - 1))
        return word[:i] + word[i] + word[i:]
    i = data.draw(st.sampled_from(inner))
    if kind == "change":
        return word[:i] + data.draw(st.sampled_from(VOWELS)) + word[i + 1 :]
    if kind == "swap" and i + 1 < len(word) and word[i + 1] in VOWELS:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + "h" + word[i:] if kind == "drop-h" else word


@given(st.text(alphabet=string.ascii_lowercase, min_size=4, max_size=12), st.data())
def test_a_name_and_its_vowel_slip_share_a_skeleton(word, data):
    slip = _vowel_slip(word, data)
    assert search_keys.skeleton(word) == search_keys.skeleton(slip)
    key = search_keys.skeleton(word)
    assert key == "" or (key[0] == word[0] and len(key) <= len(word))


@pytest.mark.django_db
@DB_SETTINGS
@given(latin_words, latin_words, pt_mobiles, st.permutations(["family", "given", "tail"]))
def test_name_and_phone_tail_in_any_order_put_the_guest_first(family, given_name, mobile, order):
    with rolled_back():
        phone = "+351" + "".join(mobile)
        guest = services.guest_create(
            data={"family_name_latin": family, "given_name_latin": given_name, "phone": phone}
        )
        other_tail = f"{(int(phone[-4:]) + 1) % 10000:04d}"
        services.guest_create(
            data={"family_name_latin": family, "given_name_latin": given_name, "phone": phone[:-4] + other_tail}
        )
        parts = {"family": family, "given": given_name, "tail": phone[-4:]}
        query = " ".join(parts[p] for p in order)
        found = guest_search(query=query)
        assert found and found[0].pk == guest.pk, query


# --- Edit distance (no database) ---------------------------------------------------------------


def _reference_osa(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook dynamic programme."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@given(st.text(alphabet="abcdeh", max_size=9), st.text(alphabet="abcdeh", max_size=9), st.integers(1, 4))
@example("cehnyan", "chenyan", 3)  # a swap of neighbours is one slip
@example("ca", "abc", 3)  # OSA, not Damerau: a swapped pair is not edited again
def test_edit_distance_is_the_optimal_string_alignment_distance_capped(a, b, cap):
    from guests.selectors.search_fuzzy import edit_distance

    assert edit_distance(a, b, cap) == min(_reference_osa(a, b), cap)
