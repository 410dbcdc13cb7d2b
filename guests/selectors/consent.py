"""The consent ledger read back: the current state per purpose, the history, and who
may be contacted or exported for a purpose right now."""

from __future__ import annotations

from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from crm_site.prepared import Prepared

from ..models import ConsentEntry, Guest
from ..models_consent import DEFAULT_GRANTED, ConsentPurpose

# Purposes whose current state is cached on the guest row (fast filters).
CACHED_FILTERS = {
    ConsentPurpose.MARKETING_EMAIL: Q(marketing_email_consent=True),
    ConsentPurpose.MARKETING_SMS: Q(marketing_sms_consent=True),
    ConsentPurpose.PROFILING: Q(profiling_opt_out=False),
}


def consent_state(*, guest_id: int) -> dict[str, dict]:
    """``{purpose: {granted, at, source, wording_version, entry}}`` from the latest entry
    of each purpose (the default when there is none).  One query."""
    state = {
        str(p): {
            "purpose": str(p),
            "label": p.label,
            "granted": DEFAULT_GRANTED[p],
            "at": None,
            "source": "",
            "wording_version": "",
            "entry": None,
        }
        for p in ConsentPurpose
    }
    seen = set()
    for entry in ConsentEntry.objects.filter(guest_id=guest_id).order_by("-at", "-id"):
        if entry.purpose in seen or entry.purpose not in state:
            continue
        seen.add(entry.purpose)
        state[entry.purpose].update(
            granted=entry.granted, at=entry.at, source=entry.source, wording_version=entry.wording_version, entry=entry
        )
    return state


def _history(*, guest_id: int, limit: int):
    return ConsentEntry.objects.filter(guest_id=guest_id).select_related("recorded_by").order_by("-at", "-id")[:limit]


_history_of = Prepared(_history)  # the 360's statement, compiled once (crm_site.prepared)


def consent_history(*, guest_id: int, limit: int = 200) -> list[ConsentEntry]:
    """The guest's ledger, latest first (who recorded each entry included)."""
    return _history_of({"limit": limit}, guest_id=guest_id)


def _latest_granted(purpose: str) -> Subquery:
    return Subquery(
        ConsentEntry.objects.filter(guest_id=OuterRef("pk"), purpose=purpose)
        .order_by("-at", "-id")
        .values("granted")[:1],
        output_field=BooleanField(),
    )


def with_consent(queryset: QuerySet[Guest], purpose: str) -> QuerySet[Guest]:
    """The guests of ``queryset`` who consent to ``purpose`` right now (not erased): the
    cached column where there is one, else the latest ledger entry (or the default)."""
    queryset = queryset.filter(is_anonymised=False)
    cached = CACHED_FILTERS.get(purpose)
    if cached is not None:
        return queryset.filter(cached)
    current = Coalesce(_latest_granted(purpose), Value(DEFAULT_GRANTED.get(purpose, False)))
    return queryset.annotate(consent_now=current).filter(consent_now=True)


def contactable_guest_ids(*purposes: str) -> QuerySet:
    """A subquery of the identified guests who consent to every one of ``purposes`` right
    now: exports carrying contact details take only these."""
    queryset = Guest.objects.identified()
    for purpose in purposes:
        queryset = with_consent(queryset, purpose)
    return queryset.values("pk")


def guest_has_consent(*, guest_id: int, purpose: str) -> bool:
    """Whether the guest (not erased, not merged away) currently consents to ``purpose``."""
    if purpose not in ConsentPurpose.values:
        return False
    return with_consent(Guest.objects.identified().filter(pk=guest_id), purpose).exists()


def consent_section(guest: Guest, viewer) -> dict:
    """The guest 360 section (page and profile API): the current state of every purpose
    and the ledger, latest first.  One query."""
    entries = consent_history(guest_id=guest.pk)
    current: dict[str, dict] = {}
    for entry in entries:
        current.setdefault(entry.purpose, {"granted": entry.granted, "at": entry.at.isoformat()})
    return {
        "state": [
            {
                "purpose": str(p),
                "label": str(p.label),
                "granted": current.get(str(p), {}).get("granted", DEFAULT_GRANTED[p]),
                "since": current.get(str(p), {}).get("at"),
            }
            for p in ConsentPurpose
        ],
        "history": [
            {
                "id": e.pk,
                "purpose": e.purpose,
                "label": str(ConsentPurpose(e.purpose).label),
                "granted": e.granted,
                "at": e.at.isoformat(),
                "source": e.source,
                "wording_version": e.wording_version,
                "note": e.note,
                "recorded_by": e.recorded_by.get_username() if e.recorded_by_id else None,
                "channel": e.channel,
            }
            for e in entries
        ],
    }
