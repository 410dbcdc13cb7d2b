"""Reads shaped for the front desk: search, the guest 360 view, arrivals.

Each selector does its fetching in a fixed number of queries, so the page and the API
that share it have the same, locked query count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.extensions import Badge, badges_for, guest_sections, identifier_lookups
from crm_site.roles import is_chain_wide

from . import money, search_keys
from .models import AuditEvent, Guest, GuestNote, GuestPreference, PreferenceType, Property, Stay

_DIGITS = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-]+$")


def active_guests() -> QuerySet[Guest]:
    return Guest.objects.active()


CONSENT_FIELDS = {"marketing_email": "marketing_email_consent", "marketing_sms": "marketing_sms_consent"}


def guest_has_consent(*, guest_id: int, purpose: str) -> bool:
    """Whether the guest (not erased, not merged away) currently consents to ``purpose``."""
    field = CONSENT_FIELDS.get(purpose)
    if field is None:
        return False
    return Guest.objects.identified().filter(pk=guest_id, **{field: True}).exists()


def _trigram_available() -> bool:
    return connection.vendor == "postgresql"


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
    query = (query or "").strip()[:100]
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


@dataclass
class GuestProfile:
    guest: Guest
    preferences: list[GuestPreference]
    alerts: list[GuestNote]
    notes: list[GuestNote]
    stays: list[Stay]
    spend: dict
    badges: list[Badge]
    sections: list[dict] = field(default_factory=list)
    stays_total: int = 0  # all the guest's stays; ``stays`` holds the latest of them


# Stays shown on the 360 view (page and API), latest first.  The view's cost must not grow
# with a guest's history (SPEC §4: p95 < 100 ms for a guest with 300 stays); the spend
# totals cover every stay and the rest is one filter away (GET /api/v1/stays/?guest=ID).
PROFILE_STAY_LIMIT = 20


def guest_profile(*, guest_id: int, viewer, stay_limit: int = PROFILE_STAY_LIMIT) -> GuestProfile:
    """Everything the desk needs about one guest, in a fixed number of queries."""
    guest = (
        Guest.objects.select_related("company")  # merged_into: only its id is read
        .prefetch_related(
            Prefetch(
                "preferences",
                queryset=GuestPreference.objects.select_related("preference_type", "source_property"),
            ),
            Prefetch(
                "guest_notes",
                queryset=GuestNote.objects.filter(is_active=True).select_related("property", "created_by"),
            ),
        )
        .get(pk=guest_id)
    )
    stays = list(
        Stay.objects.filter(guest_id=guest.pk).select_related("property").order_by("-arrival_date", "-id")[:stay_limit]
    )
    # Totals in the chain currency: the split (room / F&B / other) is per stay, in the
    # currency each hotel billed, and cannot be summed across hotels.
    checked_out = Q(status=Stay.Status.CHECKED_OUT)
    spend = Stay.objects.filter(guest_id=guest.pk).aggregate(
        stays=Count("id", filter=checked_out),
        nights=Sum("nights", filter=checked_out),
        total=Sum("total_revenue", filter=checked_out),
        all_stays=Count("id"),
    )
    stays_total = spend.pop("all_stays")
    spend["currency"] = money.chain_currency()
    notes = list(guest.guest_notes.all())
    sections = []
    for section in guest_sections(viewer):
        if section.profile is None:
            continue
        sections.append({"key": section.key, "template": section.template, "data": section.profile(guest, viewer)})
    return GuestProfile(
        guest=guest,
        preferences=list(guest.preferences.all()),
        alerts=[n for n in notes if n.kind == GuestNote.Kind.ALERT],
        notes=[n for n in notes if n.kind == GuestNote.Kind.NOTE],
        stays=stays,
        spend=spend,
        badges=badges_for([guest.pk], viewer).get(guest.pk, []),
        sections=sections,
        stays_total=stays_total,
    )


def visible_properties(user) -> QuerySet[Property]:
    """Properties a staff user works with: all for chain-wide roles, else home ones."""
    if is_chain_wide(user):
        return Property.objects.filter(is_active=True)
    return Property.objects.filter(is_active=True, staff__user=user)


_ARRIVAL_STAY_FIELDS = (
    "property",
    "guest",
    "confirmation_number",
    "arrival_date",
    "departure_date",
    "nights",
    "room_type",
    "room_number",
    "rate_code",
    "channel",
    "market_segment",
    "status",
    "special_requests",
    "adults",
    "children",
)
_ARRIVAL_GUEST_FIELDS = (
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "gender",
    "birth_date",
    "nationality",
    "language",
    "vip_code",
    "company",
    "merged_into",
)


def arrivals(*, property: Property, date: dt.date, viewer) -> list[dict]:
    """Expected and in-house arrivals of one day at one property, with what to prepare:
    preferences, alerts and the other apps' badges (tier, open complaints...)."""
    stays = list(
        Stay.objects.filter(
            property=property,
            arrival_date=date,
            status__in=[Stay.Status.RESERVED, Stay.Status.IN_HOUSE, Stay.Status.CHECKED_OUT],
        )
        .select_related("guest")
        # Only what the list shows and the API returns (guests.api.serializers.Arrival*),
        # for up to 500 arrivals; a field read beyond it would cost a query per row, which
        # the arrivals query-count test catches.
        .only(*_ARRIVAL_STAY_FIELDS, *(f"guest__{name}" for name in _ARRIVAL_GUEST_FIELDS))
        .prefetch_related(
            # Lists (to_attr), not managers: guest.preferences.all() would build a
            # manager and a queryset per guest, a third of the cost of 500 arrivals.
            Prefetch("guest__preferences", queryset=GuestPreference.objects.all(), to_attr="arrival_preferences"),
            Prefetch(
                "guest__guest_notes",
                queryset=GuestNote.objects.filter(is_active=True, kind=GuestNote.Kind.ALERT),
                to_attr="active_alerts",
            ),
        )
        .order_by("guest__family_name_latin", "guest__family_name", "confirmation_number")
    )
    # The vocabulary and the properties are small: one shared instance each instead of a
    # joined copy per preference.
    types = {t.pk: t for t in PreferenceType.objects.all()}
    properties = {p.pk: p for p in Property.objects.all()}
    badges = badges_for([s.guest_id for s in stays if s.guest_id], viewer)
    result = []
    for stay in stays:
        stay.property = property  # one instance for the day, not a joined copy per row
        guest = stay.guest
        for preference in guest.arrival_preferences if guest else ():
            preference.preference_type = types[preference.preference_type_id]
            preference.source_property = properties.get(preference.source_property_id)
        result.append(
            {
                "stay": stay,
                "guest": guest,
                "preferences": guest.arrival_preferences if guest else [],
                "alerts": guest.active_alerts if guest else [],
                "badges": badges.get(stay.guest_id, []) if guest else [],
            }
        )
    return result


def default_arrival_date() -> dt.date:
    return timezone.localdate()


def audit_events(*, guest_id: int, limit: int = 500) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(guest_ref=guest_id).select_related("actor").order_by("-at", "-id")[:limit])


# --- Duplicates -----------------------------------------------------------------------------


DUPLICATE_REASON_LABELS = {
    "same_email": _("Same e-mail"),
    "same_phone": _("Same phone"),
    "same_document": _("Same identity document"),
    "similar_name_same_birth_date": _("Very similar name and same birth date"),
}


def reason_labels(codes: list[str]) -> list[str]:
    return [str(DUPLICATE_REASON_LABELS.get(c, c)) for c in codes]


def duplicate_reasons(a: Guest, b: Guest) -> list[str]:
    """Why two profiles look like the same person (codes, shown translated)."""
    reasons = []
    if a.email and a.email == b.email:
        reasons.append("same_email")
    if a.phone and a.phone == b.phone:
        reasons.append("same_phone")
    if a.document_hash and a.document_hash == b.document_hash:
        reasons.append("same_document")
    if a.birth_date and a.birth_date == b.birth_date and a.name_key and _similar_names(a, b):
        reasons.append("similar_name_same_birth_date")
    return reasons


def _similar_names(a: Guest, b: Guest) -> bool:
    from difflib import SequenceMatcher

    if a.name_key == b.name_key:
        return True
    return SequenceMatcher(None, a.name_key, b.name_key).ratio() >= 0.8


def duplicate_candidates(*, guest: Guest, limit: int = 10) -> list[dict]:
    """Profiles that are probably the same person: same e-mail, phone or document hash,
    or the same birth date with a very similar name.  Index lookups only."""
    if guest.is_anonymised:
        return []
    match = Q(pk__in=[])
    if guest.email:
        match |= Q(email=guest.email)
    if guest.phone:
        match |= Q(phone_reversed=guest.phone_reversed)
    if guest.document_hash:
        match |= Q(document_hash=guest.document_hash)
    if guest.birth_date:
        match |= Q(birth_date=guest.birth_date)
    candidates = Guest.objects.identified().filter(match).exclude(pk=guest.pk)[:200]
    result = []
    for other in candidates:
        reasons = duplicate_reasons(guest, other)
        if reasons:
            result.append({"guest": other, "reasons": reasons})
    result.sort(key=lambda r: (-len(r["reasons"]), r["guest"].pk))
    return result[:limit]


def merge_history(*, guest_id: int) -> list:
    from .models import GuestMerge

    return list(
        GuestMerge.objects.filter(Q(survivor_id=guest_id) | Q(merged_id=guest_id))
        .select_related("survivor", "merged", "merged_by", "undone_by")
        .order_by("-merged_at", "-id")
    )


def duplicates_section(guest: Guest, viewer) -> dict:
    """The guest 360 block for staff who may merge: likely duplicates and past merges."""
    return {
        "candidates": [
            {
                "id": c["guest"].pk,
                "name": c["guest"].display_name,
                "email": c["guest"].email,
                "birth_date": c["guest"].birth_date.isoformat() if c["guest"].birth_date else None,
                "reasons": reason_labels(c["reasons"]),
            }
            for c in duplicate_candidates(guest=guest)
        ],
        "merges": [
            {
                "id": m.pk,
                "survivor_id": m.survivor_id,
                "merged_id": m.merged_id,
                "merged_name": m.merged.display_name,
                "survivor_name": m.survivor.display_name,
                "merged_at": m.merged_at.isoformat(),
                "merged_by": str(m.merged_by or ""),
                "undone": m.undone_at is not None,
                "reasons": reason_labels(m.reasons),
            }
            for m in merge_history(guest_id=guest.pk)
        ],
    }
