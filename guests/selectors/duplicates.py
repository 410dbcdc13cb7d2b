"""Likely duplicate profiles, why they look alike, and the merges done."""

from __future__ import annotations

from difflib import SequenceMatcher

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.prepared import Prepared

from ..models import Guest, GuestMerge

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
    if a.name_key == b.name_key:
        return True
    return SequenceMatcher(None, a.name_key, b.name_key).ratio() >= 0.8


# What telling duplicates apart and listing them reads (a birth date alone matches dozens
# of profiles at a million guests: the rest of their columns stay in the database).
_DUPLICATE_FIELDS = (
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "email",
    "phone",
    "phone_reversed",
    "document_hash",
    "birth_date",
    "nationality",
    "name_key",
    "is_anonymised",
    "merged_into",
)


def _candidates(*, keys: tuple[str, ...], guest_id: int | None = None, **values):
    """Identified guests sharing any of ``values`` (e-mail, reversed phone, document hash,
    birth date) with the guest, the guest left out."""
    match = Q(pk__in=[])
    for name in keys:
        if name != "guest_id":
            match |= Q(**{name: values[name]})
    candidates = Guest.objects.identified().filter(match)
    if guest_id is not None:
        candidates = candidates.exclude(pk=guest_id)
    return candidates.only(*_DUPLICATE_FIELDS)[:200]


_candidates_of = Prepared(_candidates)  # the 360's statement, compiled once per shape (crm_site.prepared)


def duplicate_candidates(*, guest: Guest, limit: int = 10) -> list[dict]:
    """Profiles that are probably the same person: same e-mail, phone or document hash,
    or the same birth date with a very similar name.  Index lookups only."""
    if guest.is_anonymised:
        return []
    keys = {
        "email": guest.email or None,
        "phone_reversed": guest.phone_reversed if guest.phone else None,
        "document_hash": guest.document_hash or None,
        # A probe built from input may carry the date as text: the field's own parsing.
        "birth_date": Guest._meta.get_field("birth_date").to_python(guest.birth_date),
        "guest_id": guest.pk,
    }
    keys = {name: value for name, value in keys.items() if value is not None}
    if keys.keys() <= {"guest_id"}:
        return []
    candidates = _candidates_of({"keys": tuple(sorted(keys))}, **keys)
    result = []
    for other in candidates:
        reasons = duplicate_reasons(guest, other)
        if reasons:
            result.append({"guest": other, "reasons": reasons})
    result.sort(key=lambda r: (-len(r["reasons"]), r["guest"].pk))
    return result[:limit]


def duplicate_candidates_for(values: dict, *, limit: int = 10) -> list[dict]:
    """Guests already on file that look like a profile about to be created (``values``:
    cleaned profile fields with their search keys), as plain data for the form and the
    409 body: id, name, e-mail, masked phone, birth date, nationality, reasons."""
    fields = {f.attname for f in Guest._meta.concrete_fields}
    probe = Guest(**{k: v for k, v in values.items() if k in fields})
    return [
        {
            "id": c["guest"].pk,
            "name": c["guest"].display_name,
            "email": c["guest"].email,
            "phone_tail": c["guest"].phone[-4:] if c["guest"].phone else "",
            "birth_date": c["guest"].birth_date.isoformat() if c["guest"].birth_date else None,
            "nationality": c["guest"].nationality,
            "reasons": c["reasons"],
            "reason_labels": reason_labels(c["reasons"]),
        }
        for c in duplicate_candidates(guest=probe, limit=limit)
    ]


# What a merge row shows of the two profiles and of who merged them.
_NAME_FIELDS = ("family_name", "given_name", "family_name_latin", "given_name_latin")


class _MergedName:
    """A merge row's profile name by the profile's own rules (``Guest.display_name``),
    from the row's columns: no model instance."""

    __slots__ = _NAME_FIELDS
    local_name = Guest.local_name
    latin_name = Guest.latin_name
    display_name = Guest.display_name

    def __init__(self, row: dict, who: str):
        for name in _NAME_FIELDS:
            setattr(self, name, row[f"{who}__{name}"])


def merge_history(*, guest_id: int) -> list[dict]:
    """The merges this guest took part in, latest first, as plain rows (``values()``:
    the four joined profiles and users were the most expensive statement of the 360 to
    build; compiled once, ``crm_site.prepared``)."""
    return _merge_history_of(guest_id=guest_id)


def _merge_history(*, guest_id: int):
    return (
        GuestMerge.objects.filter(Q(survivor_id=guest_id) | Q(merged_id=guest_id))
        .order_by("-merged_at", "-id")
        .values(
            "id",
            "survivor_id",
            "merged_id",
            "reasons",
            "merged_at",
            "undone_at",
            "merged_by__username",
            *(f"{who}__{name}" for who in ("survivor", "merged") for name in _NAME_FIELDS),
        )
    )


_merge_history_of = Prepared(_merge_history)


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
                "id": m["id"],
                "survivor_id": m["survivor_id"],
                "merged_id": m["merged_id"],
                "merged_name": _MergedName(m, "merged").display_name,
                "survivor_name": _MergedName(m, "survivor").display_name,
                "merged_at": m["merged_at"].isoformat(),
                "merged_by": m["merged_by__username"] or "",  # str(user) is the username
                "undone": m["undone_at"] is not None,
                "reasons": reason_labels(m["reasons"]),
            }
            for m in merge_history(guest_id=guest.pk)
        ],
    }
