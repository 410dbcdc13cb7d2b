"""How names, phones and documents become search keys.

Search is done on keys computed once at write time, so a lookup is an index probe:

* ``search_document``: every spelling of the name we want typos to find, accent-free
  and lower case: local script, Latin, pinyin of Chinese characters (spaced and joined),
  both name orders.  PostgreSQL indexes it with pg_trgm for typo tolerance.
* ``name_key``: family + given name joined, no spaces (``zhangwei``): prefix search.
* ``name_initials``: initials of the pinyin / Latin name (``zw``).
* ``name_key_reversed``: given + family name joined (``weizhang``): a token is matched as
  the start of either name (``name_key`` or this), so tokens narrow in any order.
* ``family_skeleton`` / ``given_skeleton``: the name without its vowels (and ``h``) after
  the first letter and without doubled letters (``bianchi`` -> ``bnc``, ``oliveira`` ->
  ``olvr``, ``thomas`` -> ``tms``).
  Two spellings a vowel slip or a doubled letter apart (``Bianchy``, ``Oliviera``,
  ``Schnieder``) share it: typo tolerance by an exact lookup in an ordinary index, on
  SQLite as on PostgreSQL.
* ``phone_reversed``: the digits of the E.164 number reversed, so "ends with 4 digits"
  is a prefix search on an index.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import phonenumbers
from django.conf import settings
from pypinyin import Style, lazy_pinyin
from unidecode import unidecode

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_WORD = re.compile(r"[^a-z0-9@.+\s]+")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Spellings people type for letters that unidecode folds to a bare vowel: a clerk writes
# Müller as "Mueller", which is too far from "muller" for trigram typo tolerance alone.
_ALTERNATIVE_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def to_latin(text: str) -> str:
    """Lower-case ASCII form of any name: pinyin for Chinese, unaccented for the rest."""
    if not text:
        return ""
    if has_cjk(text):
        text = " ".join(lazy_pinyin(text, errors="default"))
    text = unicodedata.normalize("NFKC", text)
    text = unidecode(text).lower()
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _alternative_latin(text: str) -> str:
    """The transliterated spelling of a name (``Müller`` -> ``mueller``), or "" if none."""
    alternative = to_latin((text or "").translate(_ALTERNATIVE_LETTERS))
    return alternative if alternative != to_latin(text) else ""


def _initials(*parts: str) -> str:
    letters = []
    for part in parts:
        if not part:
            continue
        if has_cjk(part):
            letters.extend(p[0] for p in lazy_pinyin(part, style=Style.FIRST_LETTER) if p)
        else:
            letters.extend(w[0] for w in to_latin(part).split() if w)
    return "".join(letters)


def name_keys(*, family_name: str, given_name: str, family_name_latin: str, given_name_latin: str) -> dict[str, str]:
    """The three name keys of a guest (see module docstring)."""
    family = to_latin(family_name) or to_latin(family_name_latin)
    given = to_latin(given_name) or to_latin(given_name_latin)
    family_l = to_latin(family_name_latin) or family
    given_l = to_latin(given_name_latin) or given
    spellings = {
        f"{family} {given}",
        f"{given} {family}",
        f"{family}{given}".replace(" ", ""),
        f"{family_l} {given_l}",
        f"{given_l} {family_l}",
    }
    family_alt = _alternative_latin(family_name) or _alternative_latin(family_name_latin)
    given_alt = _alternative_latin(given_name) or _alternative_latin(given_name_latin)
    if family_alt or given_alt:
        family_alt, given_alt = family_alt or family_l, given_alt or given_l
        spellings |= {f"{family_alt} {given_alt}", f"{given_alt} {family_alt}"}
    local = _SPACES.sub("", _CONTROL.sub("", f"{family_name}{given_name}")).lower()
    document = " ".join(sorted(s.strip() for s in spellings if s.strip()))
    if local and has_cjk(local):
        document = f"{document} {local}"
    name_key = f"{family}{given}".replace(" ", "")
    if family_name or given_name:
        initials = _initials(family_name, given_name)
    else:
        initials = _initials(family_name_latin, given_name_latin)
    return {
        "search_document": document[:2000],
        "name_key": name_key[:200],
        "name_initials": initials[:20],
    }


_VOWELS = str.maketrans("", "", "aeiouyh")
SKELETON_MIN_WORD = 4


def skeleton(word: str) -> str:
    """The typo-tolerant key of one name (see module docstring); "" for names too short
    to tell apart that way (``li`` and ``lu`` would share ``l``)."""
    letters = "".join(ch for ch in to_latin(word) if ch.isalpha())
    if len(letters) < SKELETON_MIN_WORD:
        return ""
    squeezed = letters[0] + letters[1:].translate(_VOWELS)
    key = "".join(ch for i, ch in enumerate(squeezed) if i == 0 or ch != squeezed[i - 1])
    return key[:100] if len(key) >= 3 else ""


def guest_name_keys(
    *, family_name: str, given_name: str, family_name_latin: str, given_name_latin: str
) -> dict[str, str]:
    """Every name key of a guest: ``name_keys`` plus the keys a lookup token meets in
    any order and with a slip (see module docstring)."""
    keys = name_keys(
        family_name=family_name,
        given_name=given_name,
        family_name_latin=family_name_latin,
        given_name_latin=given_name_latin,
    )
    family = to_latin(family_name) or to_latin(family_name_latin)
    given = to_latin(given_name) or to_latin(given_name_latin)
    keys["name_key_reversed"] = f"{given}{family}".replace(" ", "")[:200]
    keys["family_skeleton"] = skeleton(family)
    keys["given_skeleton"] = skeleton(given)
    return keys


def query_forms(query: str) -> dict[str, str]:
    """The normalised forms of what a front-desk agent typed."""
    latin = to_latin(query)
    return {"latin": latin, "compact": latin.replace(" ", "")}


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of a phone number; raises InvalidPhone for what is not a number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_reversed(e164: str) -> str:
    return re.sub(r"\D", "", e164 or "")[::-1]


def document_hash(document_number: str) -> str:
    """Salted SHA-256 of a passport / ID number: comparable, never readable."""
    cleaned = re.sub(r"[\s-]", "", document_number or "").upper()
    if not cleaned:
        return ""
    salted = f"{settings.DOCUMENT_HASH_SALT}:{cleaned}".encode()
    return hashlib.sha256(salted).hexdigest()
