"""ISO lists for profile fields: countries (ISO 3166-1) and languages, named in English
and Simplified Chinese.

Countries come from ``guests/data/iso3166.json`` (alpha-2, alpha-3, English and Chinese
names, checked in); languages from Django's own ``LANG_INFO`` (codes and English names,
translated by Django's catalogue).  A nationality is stored as its alpha-3 code (as the
PMS export and the hotel-booking data carry it); an input may be the alpha-2 or alpha-3
code or the country's name in either language ("Germany", "德国" → ``DEU``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf.locale import LANG_INFO
from django.utils import translation

DATA = Path(__file__).resolve().parent / "data" / "iso3166.json"


@cache
def _countries() -> tuple[tuple[str, str, str, str], ...]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["countries"]
    return tuple(tuple(row) for row in rows)


@cache
def _country_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for alpha2, alpha3, english, chinese in _countries():
        for key in (english.casefold(), chinese, alpha2, alpha3):
            lookup.setdefault(key.upper() if key.isascii() and len(key) <= 3 else key, alpha3)
    return lookup


def country_code(value: str) -> str | None:
    """The alpha-3 code for a code or a name in English or Chinese; None when unknown."""
    text = " ".join(str(value).split())
    if not text:
        return None
    if text.isascii() and len(text) <= 3:
        return _country_lookup().get(text.upper())
    return _country_lookup().get(text.casefold()) or _country_lookup().get(text)


def _is_chinese() -> bool:
    return (translation.get_language() or "").lower().startswith("zh")


@cache
def _country_names() -> dict[str, tuple[str, str]]:
    return {alpha3: (english, chinese) for _a2, alpha3, english, chinese in _countries()}


def country_name(code: str) -> str:
    """The country's name in the active language (the code itself when unknown)."""
    names = _country_names().get((code or "").upper())
    if names is None:
        return code or ""
    return names[1] if _is_chinese() else names[0]


def country_choices() -> list[tuple[str, str]]:
    """(alpha-3, name) in the active language, sorted by name."""
    index = 1 if _is_chinese() else 0
    return sorted(((a3, names[index]) for a3, names in _country_names().items()), key=lambda c: c[1])


@cache
def _languages() -> dict[str, str]:
    """code → English name, for the languages Django knows (regional fallbacks left out)."""
    return {code: info["name"] for code, info in LANG_INFO.items() if "name" in info}


@cache
def _language_lookup() -> dict[str, str]:
    lookup = {}
    for code, english in _languages().items():
        lookup[code.lower()] = code
        lookup.setdefault(english.casefold(), code)
        with translation.override("zh-hans"):
            lookup.setdefault(_language_label(code, english), code)
    for code, info in LANG_INFO.items():  # zh-cn → zh-hans and the like
        if "fallback" in info:
            lookup.setdefault(code, info["fallback"][0])
    return lookup


def language_code(value: str) -> str | None:
    """The language code (Django's: ``en``, ``pt-br``, ``zh-hans``) for a code or a name
    in English or Chinese; None when unknown."""
    text = " ".join(str(value).split()).replace("_", "-")
    if not text:
        return None
    return _language_lookup().get(text.casefold()) or _language_lookup().get(text)


# Names Django's Chinese catalogue leaves in English ("English" is kept as the language
# switcher's own label in this project's catalogue).
_CHINESE_NAMES = {"en": "英语", "no": "挪威语", "nb": "书面挪威语"}


def _language_label(code: str, english: str) -> str:
    if _is_chinese() and code in _CHINESE_NAMES:
        return _CHINESE_NAMES[code]
    return translation.gettext(english)


def language_name(code: str) -> str:
    english = _languages().get((code or "").lower())
    if english is None:
        return code or ""
    return _language_label(code.lower(), english)


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, _language_label(code, name)) for code, name in _languages().items()), key=lambda c: c[1])
