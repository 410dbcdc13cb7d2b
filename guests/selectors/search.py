"""Guest lookup from what an agent typed: names in any script, phones, e-mails."""

from __future__ import annotations

import contextlib
import re

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, prefetch_related_objects

from crm_site.extensions import badges_for, identifier_lookups

from .. import search_keys
from ..models import Guest
from .access import active_guests

_DIGITS = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-]+$")
# NUL and other control characters: no name, phone or e-mail has them (PostgreSQL
# refuses NUL in a query parameter).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_QUERY = 100


# Candidates the fuzzy steps rank at most, however common the name: a typo in a common
# name ("zhnag") is a neighbour of every Zhang, and ranking 50,000 of them would cost
# more than the whole lookup may take at 1,000,000 guests.
FUZZY_CANDIDATES = 500


def guest_search(*, query: str, limit: int | None = None) -> list[Guest]:
    """Find guests from what an agent typed: a partial name in any script or spelling
    (typos, accents, pinyin, initials), a phone suffix of 4+ digits, an e-mail or a
    member number.  Best matches first; at most ``limit`` guests.

    Names, each step only while the result is not full:

    1. the joined name starting with what was typed, in either word order (``zhangw``,
       ``wei zhang``, ``anna adams``), or the initials (``zw``) — index range scans that
       already return rows in result order;
    2. PostgreSQL: spelling neighbours — a word or the joined name one slip away (a
       letter dropped, added, changed or two swapped: ``zhnag wei``, ``silvva``), found
       by an exact lookup in a GIN index of one-deletion variants (migration 0005);
    3. PostgreSQL, when nothing was found yet and the query has 5+ letters: pg_trgm word
       similarity on every spelling (a partial word with a typo).
    Steps 2 and 3 rank at most ``FUZZY_CANDIDATES`` candidates.  The SQLite fallback
    does step 1, then a substring of any spelling (no typo tolerance).
    """
    limit = limit or settings.GUEST_SEARCH_LIMIT
    query = _CONTROL.sub(" ", str(query or "")[:MAX_QUERY]).strip()
    if not query:
        return []
    base = active_guests().select_related("company")

    for identifier in identifier_lookups():
        ids = identifier.lookup(query)
        if ids:
            return list(base.filter(pk__in=ids)[:limit])

    if "@" in query:
        return list(base.filter(email__startswith=query.lower()).order_by("email", "id")[:limit])

    digits = _DIGITS.sub("", query)
    if _PHONE_LIKE.match(query) and len(digits) >= 4:
        return list(base.filter(phone_reversed__startswith=digits[::-1]).order_by("phone_reversed", "id")[:limit])

    forms = search_keys.query_forms(query)
    latin, compact = forms["latin"], forms["compact"]
    if not compact:
        return []
    keys = _joined_forms(latin)
    initials = compact if compact.isalpha() and len(compact) <= 4 else ""
    if connection.vendor == "postgresql":
        return _name_search_postgres(latin=latin, keys=keys, initials=initials, limit=limit)

    prefix_q = Q(name_initials=initials) if initials else Q(pk__in=[])
    for key in keys:
        prefix_q |= Q(name_key__startswith=key)
    found = list(base.filter(prefix_q).order_by("name_key", "id")[:limit])
    if len(found) >= limit or len(compact) < 3:
        return found
    fuzzy = (
        base.filter(search_document__contains=latin)
        .exclude(pk__in={g.pk for g in found})
        .order_by("name_key", "id")[: limit - len(found)]
    )
    return found + list(fuzzy)


def _joined_forms(latin: str) -> list[str]:
    """The query joined in every word order an agent may have used (the stored
    ``name_key`` is family + given name): ``wei zhang`` -> zhangwei and weizhang."""
    words = latin.split()
    forms = ["".join(words)]
    if 2 <= len(words) <= 3:
        forms += ["".join(words[i:] + words[:i]) for i in range(1, len(words))]
    return list(dict.fromkeys(f for f in forms if f))


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _raw_guests(sql: str, params: list) -> list[Guest]:
    guests = list(Guest.objects.raw(sql, params))
    prefetch_related_objects([g for g in guests if g.company_id], "company")
    return guests


def _rank_neighbours(candidates: list[tuple], keys: list[str], *, whole_name: bool) -> list[int]:
    """Ids of (id, name_key, search_document) candidates, closest spelling first.

    Closeness is the edit distance between the query and the joined name (a whole name
    typed) or the nearest stored word (one word typed): "cehn yan" puts Chen Yan before
    Ceng Yan.  Within one distance the spellings take turns (the first Gao Wei, the first
    Guo Wei, the second Gao Wei...) so an ambiguous slip shows every name it may mean
    instead of a page of the most common one.
    """
    distance_of: dict[str, int] = {}
    scored = []
    for pk, name_key, document in candidates:
        text = name_key if whole_name else document
        distance = distance_of.get(text)
        if distance is None:
            words = [name_key] if whole_name else document.split()
            distance = distance_of[text] = min(_edit_distance(w, k) for w in words for k in keys)
        scored.append((distance, name_key, pk))
    scored.sort()
    turn: dict[str, int] = {}
    ordered = []
    for distance, name_key, pk in scored:
        turn[name_key] = turn.get(name_key, -1) + 1
        ordered.append((distance, turn[name_key], name_key, pk))
    ordered.sort()
    return [pk for *_rest, pk in ordered]


def _edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal string alignment distance (insert, delete, change, swap two neighbours),
    counted up to ``cap``: step 2 only ever finds spellings one or two slips away."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) >= cap:
        return cap
    before, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        before, previous = previous, current
    return min(previous[-1], cap)


@contextlib.contextmanager
def _index_scans_only():
    """Plan a trigram lookup on its index, never as a sequential scan.

    A LIMITed fuzzy query whose match estimate is generous looks cheapest as a
    sequential scan that stops early; when the true matches are few it reads (and scores)
    every guest instead — seconds at 1,000,000 guests.  A parallel plan is no better for
    a lookup of a few milliseconds (starting the workers costs more).  The settings are
    local to the transaction and restored on the way out.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('max_parallel_workers_per_gather'), "
                "set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
            )
            seqscan, workers = cursor.fetchone()[:2]
        yield
        # (On an error the atomic block rolls back, and the settings with it.)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true), set_config('max_parallel_workers_per_gather', %s, true)",
                [seqscan, workers],
            )


def _name_search_postgres(*, latin: str, keys: list[str], initials: str, limit: int) -> list[Guest]:
    # 1. Prefix of the joined name / initials.  (name_key COLLATE "C", id) indexes serve
    # both the LIKE range and the order, so each branch stops after ``limit`` rows.
    branches, params = [], []
    for key in keys:
        branches.append(
            "SELECT * FROM guests_guest WHERE merged_into_id IS NULL "
            'AND (name_key COLLATE "C") LIKE %s ORDER BY (name_key COLLATE "C"), id LIMIT %s'
        )
        params += [_like_prefix(key), limit]
    if initials:
        branches.append(
            "SELECT * FROM guests_guest WHERE merged_into_id IS NULL "
            'AND name_initials = %s ORDER BY (name_key COLLATE "C"), id LIMIT %s'
        )
        params += [initials, limit]
    union = " UNION ".join(f"({b})" for b in branches)
    found = _raw_guests(f'SELECT * FROM ({union}) h ORDER BY (h.name_key COLLATE "C"), h.id LIMIT %s', [*params, limit])
    if len(found) >= limit or len(keys[0]) < 3:
        return found

    # 2. Spelling neighbours: variants(stored words) && variants(query), GIN lookups.  (The
    # function's declared cost keeps the planner on the index; see migration 0005.)
    # One word meets stored words; a whole name (in each word order) meets joined names.
    whole_name = len(latin.split()) > 1
    words, joined = ("", " ".join(keys)) if whole_name else (keys[0], "")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, name_key, search_document FROM guests_guest
            WHERE guests_search_variants(search_document, name_key) && guests_search_variants(%s, %s)
              AND merged_into_id IS NULL AND NOT (id = ANY(%s::bigint[]))
            LIMIT %s
            """,
            [words, joined, [g.pk for g in found], FUZZY_CANDIDATES],
        )
        candidates = cursor.fetchall()
    ids = _rank_neighbours(candidates, keys, whole_name=whole_name)[: limit - len(found)]
    if ids:
        by_id = {g.pk: g for g in active_guests().select_related("company").filter(pk__in=ids)}
        found += [by_id[pk] for pk in ids if pk in by_id]
    if found or len(keys[0]) < 5:
        # Trigram similarity of a short query is mostly noise ("same" is 60 % of "samantha").
        return found

    # 3. Nothing yet: word similarity against every spelling (GIN trigram index).
    with _index_scans_only():
        return _raw_guests(
            """
            SELECT * FROM (
              SELECT * FROM guests_guest WHERE %s <%% search_document LIMIT %s
            ) c
            WHERE c.merged_into_id IS NULL  -- outside: an index on it must not drive the scan
            ORDER BY word_similarity(%s, c.search_document) DESC, c.id
            LIMIT %s
            """,
            [latin, FUZZY_CANDIDATES, latin, limit],
        )


def guest_search_results(*, query: str, viewer, limit: int | None = None) -> list[dict]:
    """Search results with their badges (tier, segment, open complaints) in bulk."""
    guests = guest_search(query=query, limit=limit)
    badges = badges_for([g.pk for g in guests], viewer)
    return [{"guest": g, "badges": badges.get(g.pk, [])} for g in guests]
