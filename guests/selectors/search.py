"""Guest lookup from what an agent typed: every token narrows, the right guest first.

How a lookup runs (the same statements and the same order on SQLite and PostgreSQL):

1. ``search_query.parse`` reads the tokens (names, digits, e-mails, member numbers).
2. Every token becomes a condition, all of them ANDed: a name word is the start of the
   family-first or the given-first joined name (``name_key`` / ``name_key_reversed``),
   or the initials; 4+ digits are a phone tail, a birth year (4 digits 1900-2100) or a
   member number without its letter; an e-mail token is the start of the e-mail; a
   word with a dot (``li.liu``) the start of an e-mail or a name; a city the guests who
   stayed at that city's hotels (or a name).  Every condition is an ordinary index
   lookup.
3. When that finds fewer than a page, the same again with typo tolerance: a name word
   also meets the family or given name with the same consonant skeleton
   (``search_keys.skeleton``: ``Bianchy`` finds Bianchi, ``Oliviera`` Oliveira);
   of two name words each meets its own part of the name (family or given).
   On PostgreSQL a name that still finds nobody gets the variant / trigram search of
   ``search_fuzzy`` (two slips, partial words).
4. At most ``CANDIDATES`` matches (exact joined names first, then the newest profiles)
   are read as plain rows, then their latest stay and value (one grouped query), and
   ranked in Python: exact identifiers (member number, the whole e-mail) first,
   then names by closeness (the characters typed before homophones, a whole word
   before a prefix, a prefix before a slip), then the latest stay and the value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)

from crm_site.extensions import badges_for, identifier_lookups
from crm_site.prepared import Prepared

from .. import search_keys
from ..models import Guest, Property, Stay
from . import search_fuzzy
from .access import active_guests
from .search_fuzzy import FUZZY_CANDIDATES
from .search_query import LookupQuery, NameToken, birth_year, lookup_text, parse

__all__ = [
    "CANDIDATES",
    "FUZZY_CANDIDATES",
    "GuestLookup",
    "guest_lookup",
    "guest_search",
    "guest_search_results",
    "lookup_text",
]

# Matches ranked at most.  A name alone shared by thousands ("li") is ranked among the
# exact joined names and the newest profiles; the total is still counted and shown with
# a hint to add a token (phone tail, birth year), which narrows in the database.
CANDIDATES = 200
_LOST = ("cancelled", "no_show")
_CITY_TTL = 300.0
_cities: dict = {"at": -_CITY_TTL, "map": {}}


@dataclass
class GuestLookup:
    """A page of ranked guests and how many matched in all."""

    guests: list[Guest]
    total: int
    limit: int

    @property
    def is_full(self) -> bool:
        return self.total > len(self.guests) or len(self.guests) >= self.limit


def guest_search(*, query: str, limit: int | None = None) -> list[Guest]:
    """The best matches for what an agent typed (see module docstring), at most ``limit``."""
    return guest_lookup(query=query, limit=limit).guests


def guest_lookup(*, query: str, limit: int | None = None) -> GuestLookup:
    limit = limit or settings.GUEST_SEARCH_LIMIT
    parsed = parse(query)
    if parsed.is_empty:
        return GuestLookup([], 0, limit)
    member_ids = _identifier_ids(parsed.text)
    if member_ids:  # the whole query is a member number (spaces and all)
        ranked = _rank(_with_stays(_candidates(active_guests().filter(pk__in=member_ids))), parsed, set(member_ids))
        return GuestLookup(_page(ranked[:limit]), len(ranked), limit)
    conditions, exact_ids = _conditions(parsed)
    if conditions is None:
        return GuestLookup([], 0, limit)
    matches, total = _matches(conditions, parsed)
    if len(matches) < limit and any(n.skeleton for n in parsed.names):
        slip_conditions, _ids = _conditions(parsed, slips=True)
        matches, total = _matches(slip_conditions, parsed)
    if not matches and parsed.only_names and connection.vendor == "postgresql":
        ids = search_fuzzy.fuzzy_name_ids(latin=" ".join(n.compact for n in parsed.names), limit=limit)
        fuzzy = _page([_Candidate(pk) for pk in ids])
        return GuestLookup(fuzzy, len(fuzzy), limit)
    ranked = _rank(_with_stays(matches), parsed, exact_ids)
    return GuestLookup(_page(ranked[:limit]), total, limit)


def _identifier_ids(text: str) -> list[int]:
    for identifier in identifier_lookups():
        ids = identifier.lookup(text)
        if ids:
            return list(ids)
    return []


# What ranking reads of each candidate: the names, their keys and the e-mail (the rest
# of a profile is read for the page only).
_RANKING_FIELDS = (
    "pk",
    "email",
    "family_name",
    "given_name",
    "search_document",
    "name_key",
    "name_key_reversed",
    "name_initials",
)


@dataclass
class _Candidate:
    """A matching guest as ranking sees it."""

    pk: int
    email: str = ""
    family_name: str = ""
    given_name: str = ""
    search_document: str = ""
    name_key: str = ""
    name_key_reversed: str = ""
    name_initials: str = ""
    last_stay: object = None
    stay_value: object = None


def _candidates(queryset) -> list[_Candidate]:
    """The matches as plain rows (one query)."""
    return [_Candidate(*row) for row in queryset.values_list(*_RANKING_FIELDS)]


def _stays_summary(*, guest_ids: list[int]):
    return (
        Stay.objects.filter(guest_id__in_ids=guest_ids)
        .exclude(status__in=_LOST)
        .values("guest_id")
        .annotate(last=Max("arrival_date"), value=Sum("total_revenue"))
        .values_list("guest_id", "last", "value")
        .order_by()
    )


def _page_guests(*, guest_ids: list[int]):
    latest = Stay.objects.filter(guest=OuterRef("pk")).exclude(status__in=_LOST).order_by("-arrival_date", "-id")
    return (
        active_guests()
        .filter(pk__in_ids=guest_ids)
        .select_related("company")
        .annotate(last_city=Subquery(latest.values("property__city")[:1]))
    )


# Compiled once per process (crm_site.prepared); on PostgreSQL the ids are one array.
_stays_summary_of = Prepared(_stays_summary)
_page_guests_of = Prepared(_page_guests)


def _with_stays(rows: list[_Candidate]) -> list[_Candidate]:
    """The candidates with their latest stay and the value of their stays (one grouped
    query over their stays)."""
    if rows:
        stays = _stays_summary_of(guest_ids=[r.pk for r in rows])
        summary = {gid: (last, value) for gid, last, value in stays}
        for row in rows:
            row.last_stay, row.stay_value = summary.get(row.pk, (None, None))
    return rows


def _page(ranked: list[_Candidate]) -> list[Guest]:
    """The page's guests in ranked order, whole, with what tells namesakes apart: the
    latest stay (its arrival date and the hotel's city) and the value of all stays."""
    if not ranked:
        return []
    by_id = {g.pk: g for g in _page_guests_of(guest_ids=[r.pk for r in ranked])}
    page = []
    for row in ranked:
        guest = by_id.get(row.pk)
        if guest is not None:
            guest.last_stay, guest.stay_value = row.last_stay, row.stay_value
            page.append(guest)
    return page


def _name_condition(name: NameToken, *, alone: bool, slips: bool) -> Q:
    condition = Q(name_key__startswith=name.compact) | Q(name_key_reversed__startswith=name.compact)
    if alone and name.compact.isalpha() and 2 <= len(name.compact) <= 4:
        condition |= Q(name_initials=name.compact)
    if slips and name.skeleton:
        condition |= Q(family_skeleton=name.skeleton) | Q(given_skeleton=name.skeleton)
    city = _city_condition(name)
    return condition if city is None else condition | city


def _city_condition(name: NameToken) -> Q | None:
    city_ids = _city_properties().get(name.compact)
    if not city_ids:
        return None
    return Q(Exists(Stay.objects.filter(guest=OuterRef("pk"), property_id__in=city_ids)))


def _two_words_with_a_slip(first: NameToken, second: NameToken) -> Q:
    """Two name words, either of them mistyped: each word meets its own part of the
    name (one the family name, the other the given name, as typed or by skeleton), or
    both match as typed, or one is a city.  Each word's slip alone would let one part
    answer for both: every Deng (skeleton ``dng``) would match ``deng danyong``
    (``danyong`` is ``dng`` too) — eighteen thousand guests at a million."""

    def family(name: NameToken) -> Q:
        condition = Q(name_key__startswith=name.compact)
        return condition | Q(family_skeleton=name.skeleton) if name.skeleton else condition

    def given(name: NameToken) -> Q:
        condition = Q(name_key_reversed__startswith=name.compact)
        return condition | Q(given_skeleton=name.skeleton) if name.skeleton else condition

    condition = (
        (family(first) & given(second))
        | (given(first) & family(second))
        | (_name_condition(first, alone=False, slips=False) & _name_condition(second, alone=False, slips=False))
    )
    for word, other in ((first, second), (second, first)):
        city = _city_condition(word)
        if city is not None:
            condition |= city & (family(other) | given(other))
    return condition


def _digit_condition(digits: str) -> tuple[Q, set[int]]:
    condition = Q(phone_reversed__startswith=digits[::-1])
    year = birth_year(digits)
    if year:
        condition |= Q(birth_date__gte=f"{year}-01-01", birth_date__lte=f"{year}-12-31")
    member_ids = set(_identifier_ids(digits))
    if member_ids:
        condition |= Q(pk__in=member_ids)
    return condition, member_ids


def _conditions(parsed: LookupQuery, *, slips: bool = False) -> tuple[Q | None, set[int]]:
    """Every token's condition ANDed, and the ids an identifier names exactly; ``None``
    when a token can match nobody (a member number that does not exist)."""
    conditions, exact_ids = Q(), set()
    alone = len(parsed.names) == 1 and not parsed.local_parts
    if slips and len(parsed.names) == 2:
        conditions &= _two_words_with_a_slip(*parsed.names)
    else:
        for name in parsed.names:
            conditions &= _name_condition(name, alone=alone, slips=slips)
    for digits in parsed.digits:
        condition, member_ids = _digit_condition(digits)
        conditions &= condition
        exact_ids |= member_ids
    for email in parsed.emails:
        conditions &= Q(email__startswith=email)
    for local, name in parsed.local_parts:
        condition = Q(email__startswith=local)
        if name is not None:
            condition |= _name_condition(name, alone=False, slips=slips)
        conditions &= condition
    for identifier in parsed.identifiers:
        ids = _identifier_ids(identifier)
        if not ids:
            return None, set()
        conditions &= Q(pk__in=ids)
        exact_ids |= set(ids)
    return conditions, exact_ids


def _matches(conditions: Q, parsed: LookupQuery) -> tuple[list[_Candidate], int]:
    """At most ``CANDIDATES`` matching guests (exact joined names first, then the newest
    profiles) and how many match in all."""
    queryset = active_guests().filter(conditions).annotate(matched=Window(Count("pk")))
    joined = _joined_names(parsed.names)
    # Every match is counted in the same pass as the sort (a window count) instead of a
    # second scan.  The sort key is an expression no index serves, so the conditions' own
    # indexes find the matches: on a bare ``ORDER BY id DESC LIMIT`` the planner may walk
    # the primary key backwards, filtering every guest, for a phone tail it guesses a
    # hundred times too common (300 ms at a million guests, for a hundred matches).
    exact = Value(1)
    if joined:  # names: the exact joined names first
        exact = Case(When(name_key__in=joined, then=Value(0)), default=Value(1), output_field=IntegerField())
    newest = ExpressionWrapper(F("id") + 0, output_field=BigIntegerField())
    ordered = queryset.annotate(exact_name=exact, newest=newest).order_by("exact_name", "-newest")
    rows = list(ordered.values_list(*_RANKING_FIELDS, "matched")[:CANDIDATES])
    return [_Candidate(*row[:-1]) for row in rows], (rows[0][-1] if rows else 0)


def _joined_names(names: list[NameToken]) -> list[str]:
    """The name words joined family-first in each order they may have been typed."""
    words = [n.compact for n in names]
    if not words or len(words) > 3:
        return []
    return list(dict.fromkeys("".join(words[i:] + words[:i]) for i in range(len(words))))


# --- Ranking -------------------------------------------------------------------------------


def _rank(guests: list[_Candidate], parsed: LookupQuery, exact_ids: set[int]) -> list[_Candidate]:
    emails = set(parsed.emails) | {local for local, _name in parsed.local_parts}

    def key(guest: Guest):
        identified = guest.pk in exact_ids or (guest.email or "").lower() in emails
        homophones, closeness = _name_closeness(guest, parsed.names)
        last = guest.last_stay.toordinal() if guest.last_stay else 0
        return (not identified, homophones, closeness, -last, -(guest.stay_value or 0), guest.pk)

    return sorted(guests, key=key)


def _name_closeness(guest: _Candidate, names: list[NameToken]) -> tuple[int, int]:
    """(how many Chinese tokens matched by sound only, how far the words are): a whole
    word 0, the start of a word 1, the initials 2, a slip 2 + its edit distance."""
    if not names:
        return 0, 0
    words = set((guest.search_document or "").split()) | {guest.name_key, guest.name_key_reversed}
    words.discard("")
    local = f"{guest.family_name}{guest.given_name}"
    homophones = closeness = 0
    for name in names:
        if name.characters and not all(ch in local for ch in name.characters):
            homophones += 1
        closeness += _word_closeness(name.compact, words, guest.name_initials)
    return homophones, closeness


def _word_closeness(compact: str, words: set[str], initials: str) -> int:
    if compact in words:
        return 0
    if any(w.startswith(compact) for w in words):
        return 1
    if compact == initials:
        return 2
    return 2 + min((search_fuzzy.edit_distance(compact, w) for w in words), default=3)


# --- Cities --------------------------------------------------------------------------------


def _city_properties() -> dict[str, list[int]]:
    """``{city key: [property ids]}`` of the chain's hotels (``lisbon``, ``shanghai``;
    ``上海`` reads as ``shanghai``), kept per process for five minutes: hotels rarely
    move, and a lookup should not spend a query on them."""
    now = time.monotonic()
    if now - _cities["at"] >= _CITY_TTL:
        mapping: dict[str, list[int]] = {}
        for pk, city in Property.objects.exclude(city="").values_list("pk", "city"):
            key = search_keys.to_latin(city).replace(" ", "")
            if len(key) >= 3:
                mapping.setdefault(key, []).append(pk)
        _cities.update(at=now, map=mapping)
    return _cities["map"]


def forget_cities() -> None:
    """Drop the cached city list (tests and after a property's city changes)."""
    _cities.update(at=-_CITY_TTL, map={})


def guest_search_results(*, query: str, viewer, limit: int | None = None) -> dict:
    """A lookup's page with the badges of each guest (tier, segment, open complaints)
    fetched in bulk, and the total when there are more."""
    lookup = guest_lookup(query=query, limit=limit)
    badges = badges_for([g.pk for g in lookup.guests], viewer)
    rows = [{"guest": g, "badges": badges.get(g.pk, [])} for g in lookup.guests]
    return {"rows": rows, "total": lookup.total, "is_full": lookup.is_full, "limit": lookup.limit}
