"""What an agent typed into the search box, read token by token.

Any mix of tokens in any order: a name in any script or spelling (characters, pinyin,
initials, Latin), a phone tail of 4+ digits, a birth year, a member number with or
without its letter, an e-mail or its local part, a city.  Each token is read here into
what it may mean; ``guests.selectors.search`` turns every meaning into a condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from crm_site.errors import DomainError

from .. import search_keys

MAX_QUERY = 100
PHONE_TAIL_MIN = 4
YEARS = (1900, 2100)

# NUL and other control characters: no name, phone or e-mail has them (PostgreSQL
# refuses NUL in a query parameter).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PHONE_LIKE = re.compile(r"^\+?[\d\s()+.\-/]+$")
_PHONE_PUNCTUATION = re.compile(r"[()+.\-/]")
_SEPARATORS = re.compile(r"[\s,;]+")
_EMAIL_LOCAL = re.compile(r"^[^\W\d_][\w\-+]*[._][\w.\-+]*$")
_WORDISH = re.compile(r"\w")


@dataclass(frozen=True)
class NameToken:
    """One word of a name: its letters in Latin (``compact``), the characters typed when
    they were Chinese (``characters``) and its typo key (``skeleton``)."""

    compact: str
    characters: str = ""
    skeleton: str = ""


@dataclass
class LookupQuery:
    text: str
    names: list[NameToken] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)  # phone tail / birth year / member number
    emails: list[str] = field(default_factory=list)  # an e-mail or its start
    local_parts: list[tuple[str, NameToken | None]] = field(default_factory=list)  # li.liu: e-mail or name
    identifiers: list[str] = field(default_factory=list)  # letters and digits: a member number

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.digits or self.emails or self.local_parts or self.identifiers)

    @property
    def only_names(self) -> bool:
        return bool(self.names) and not (self.digits or self.emails or self.local_parts or self.identifiers)


def clean(raw) -> str:
    return _CONTROL.sub(" ", str(raw or "")).strip()


def lookup_text(raw) -> str:
    """The search text of a request, or a ``DomainError`` naming ``q``: empty, longer
    than ``MAX_QUERY`` or nothing but punctuation."""
    text = clean(raw)
    if not text:
        raise DomainError(
            _("Type a name, the last 4+ digits of a phone, a birth year, an e-mail or a member number."),
            field="q",
            code="required",
        )
    if len(text) > MAX_QUERY:
        raise DomainError(
            _("A search is at most %(n)s characters: type a name and a phone tail or birth year.") % {"n": MAX_QUERY},
            field="q",
            code="too_long",
        )
    if not _WORDISH.search(text) or parse(text).is_empty:
        raise DomainError(_("Type letters or digits: punctuation alone finds nobody."), field="q", code="invalid")
    return text


def name_token(text: str) -> NameToken | None:
    latin = search_keys.to_latin(text)
    compact = "".join(ch for ch in latin if ch.isalnum())
    if not compact:
        return None
    characters = "".join(ch for ch in text if search_keys.has_cjk(ch))
    return NameToken(compact=compact[:100], characters=characters, skeleton=search_keys.skeleton(compact))


def parse(text: str) -> LookupQuery:
    """Read every token of ``text`` (already cleaned); tokens that mean nothing
    searchable (punctuation, 1-3 digits) are dropped."""
    text = clean(text)[:MAX_QUERY]
    query = LookupQuery(text=text)
    if _PHONE_LIKE.match(text) and not text.isdigit() and len(re.sub(r"\D", "", text)) >= PHONE_TAIL_MIN:
        # A whole phone number with its spaces and dashes: one number, not several tokens.
        query.digits.append(re.sub(r"\D", "", text))
        return query
    for token in _SEPARATORS.split(text):
        _read_token(query, token)
    return query


def _read_token(query: LookupQuery, token: str) -> None:
    if not token:
        return
    if "@" in token:
        query.emails.append(token.lower())
        return
    bare = _PHONE_PUNCTUATION.sub("", token)
    if bare.isdigit():
        if len(bare) >= PHONE_TAIL_MIN:
            query.digits.append(bare)
        return
    if _EMAIL_LOCAL.match(token):
        query.local_parts.append((token.lower(), name_token(token)))
        return
    if any(ch.isdigit() for ch in token) and any(ch.isalpha() for ch in token):
        query.identifiers.append(token)
        return
    name = name_token(token)
    if name is not None:
        query.names.append(name)


def birth_year(digits: str) -> int | None:
    if len(digits) == 4 and YEARS[0] <= int(digits) <= YEARS[1]:
        return int(digits)
    return None
