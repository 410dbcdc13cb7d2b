"""PostgreSQL's last resort for a name nobody spells alike: one-deletion variants in a
GIN index (migration 0005) and pg_trgm word similarity.  ``guests.selectors.search``
calls it only when the lookup keys that every database has found nobody."""

from __future__ import annotations

import contextlib

from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from rapidfuzz.distance import OSA

from ..models import Guest
from .access import active_guests

# Candidates the fuzzy steps rank at most, however common the name: a typo in a common
# name ("zhnag") is a neighbour of every Zhang, and ranking 50,000 of them would cost
# more than the whole lookup may take at 1,000,000 guests.
FUZZY_CANDIDATES = 500


def fuzzy_name_ids(*, latin: str, limit: int) -> list[int]:
    """Ids of the guests whose name is a slip or two from ``latin`` (PostgreSQL only),
    closest spelling first."""
    keys = _joined_forms(latin)
    if not keys or len(keys[0]) < 3:
        return []
    return [g.pk for g in _name_search_postgres(latin=latin, keys=keys, initials="", limit=limit)]


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
            distance = distance_of[text] = min(edit_distance(w, k) for w in words for k in keys)
        scored.append((distance, name_key, pk))
    scored.sort()
    turn: dict[str, int] = {}
    ordered = []
    for distance, name_key, pk in scored:
        turn[name_key] = turn.get(name_key, -1) + 1
        ordered.append((distance, turn[name_key], name_key, pk))
    ordered.sort()
    return [pk for *_rest, pk in ordered]


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal string alignment distance (insert, delete, change, swap two neighbours),
    counted up to ``cap``: step 2 only ever finds spellings one or two slips away.
    RapidFuzz computes it (C++, a few hundred times faster than a Python loop: ranking
    200 candidates of a mistyped common name took 20 ms in Python)."""
    return min(OSA.distance(a, b, score_cutoff=cap), cap)


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
    if len(found) >= limit:
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
