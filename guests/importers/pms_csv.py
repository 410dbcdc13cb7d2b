"""``csv``: our own PMS export (see the package docstring for the columns).

A row's stay goes through the stay upsert's rule set; a stay the file updates keeps
the stored values of the columns the file does not have (``stay_row_fill``, as a PATCH
does), so the rules between fields (lead time and booking date, a cancellation date)
hold for the whole stay.  Its guest columns name the guest: the active profile with
that e-mail, else with that phone, else the guest already on the stay; otherwise a
profile is created from the row (it then needs a name).  Existing profiles are
matched, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError

from .. import search_keys
from ..models import Guest, Stay
from ..services import (
    GUEST_FIELDS,
    NAME_FIELDS,
    ROW_FIELDS,
    STAY_FIELDS,
    StayRowContext,
    guest_create,
    guest_data_clean,
    stay_row_fill,
    stay_rows_clean,
)
from ..services.stay_facts import FACT_FIELDS
from .common import ImportResult, chunks, normalise_choice, read_header, read_rows, save_in_batches

CSV_REQUIRED = (
    "property",
    "confirmation_number",
    "arrival_date",
    "departure_date",
    "status",
    "channel",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "currency",
    "adults",
    "children",
)
CSV_OPTIONAL_STAY = (
    "room_type",
    "reserved_room_type",
    "room_number",
    "rate_code",
    "distribution_channel",
    "market_segment",
    "special_requests",
    "country",
    "check_in_at",
    "check_out_at",
    *FACT_FIELDS,
    "company_account",
    "agent_account",
)
CSV_GUEST = (
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "email",
    "phone",
    "gender",
    "birth_date",
    "nationality",
    "language",
)
CSV_COLUMNS = CSV_REQUIRED + CSV_OPTIONAL_STAY + CSV_GUEST

# Stored columns every import sets (derived ones included); optional ones are added when
# the file has them.  The guest is handled apart: a row without one keeps the stay's.
ALWAYS_SET = (
    "arrival_date",
    "departure_date",
    "nights",
    "status",
    "channel",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "total_revenue",
    "exchange_rate",
    "exchange_rate_date",
    "currency",
    "adults",
    "children",
)


@dataclass
class _GuestSpec:
    """A guest the file names (by e-mail, phone or, failing both, its row)."""

    row: int
    data: dict
    email: str = ""
    phone: str = ""
    guest_id: int | None = None
    error: tuple[str, str] | None = None  # (column, reason) when it cannot be created
    rows: list[int] = field(default_factory=list)


def import_csv(stream, result: ImportResult, *, batch_size: int, by) -> None:
    header, reader = read_header(stream, result, required=CSV_REQUIRED, known=CSV_COLUMNS)
    if header is None:
        return
    guest_columns = [c for c in CSV_GUEST if c in header]
    raw_rows, guest_keys, specs = [], {}, {}
    for number, raw in read_rows(reader, header, result):
        for column in ("status", "channel"):
            raw[column] = normalise_choice(raw[column]) if raw.get(column) else raw.get(column)
        guest_data = {c: value for c in guest_columns if (value := raw.pop(c, ""))}
        key = _guest_spec(number, guest_data, specs, result) if guest_data else None
        if key is not None:
            guest_keys[number] = key
        raw_rows.append((number, raw))
    raw_rows = _with_stored_values(raw_rows, absent=[f for f in CSV_OPTIONAL_STAY if f not in header])
    # Guests are matched by e-mail / phone below; account ids are checked here.
    context = StayRowContext.for_rows([r for _n, r in raw_rows])
    valid, errors = stay_rows_clean(raw_rows, context=context)
    result.reject_stay_errors(errors)
    valid = [(n, s) for n, s in valid if n not in result.rejected_rows]
    _resolve_guests(valid, guest_keys, specs, result)
    valid = [(n, s) for n, s in valid if not _guest_refused(n, guest_keys, specs, result)]
    _create_guests(specs, result, by=by)
    for number, stay in valid:
        if number in guest_keys:
            stay.guest_id = specs[guest_keys[number]].guest_id
    save_in_batches(valid, result, columns=STAY_FIELDS, batch_size=batch_size)


def _with_stored_values(raw_rows: list[tuple[int, dict]], *, absent: list[str]) -> list[tuple[int, dict]]:
    """Each row of a stay already stored, completed with its stored values for the
    ``absent`` columns (one query per 1,000 rows)."""
    if not absent:
        return raw_rows
    fields = [f for f in ROW_FIELDS if f in absent]
    completed = []
    for chunk in chunks(raw_rows, 1000):
        keys = {(str(r.get("property") or "").upper(), r.get("confirmation_number") or "") for _n, r in chunk}
        stored = {
            (row.pop("property__code"), row.pop("confirmation_number")): row
            for row in Stay.objects.filter(
                property__code__in={code for code, _c in keys}, confirmation_number__in={c for _p, c in keys}
            ).values("property__code", "confirmation_number", *fields)
        }
        for number, raw in chunk:
            values = stored.get((str(raw.get("property") or "").upper(), raw.get("confirmation_number") or ""))
            completed.append((number, raw if values is None else stay_row_fill(raw, values)))
    return completed


def _guest_spec(number: int, data: dict, specs: dict[str, _GuestSpec], result: ImportResult) -> str | None:
    """Check the row's e-mail and phone; the key of the file's guest it names, or None
    (the row is rejected)."""
    email, phone = data.get("email", "").lower(), ""
    try:
        if email:
            email = guest_data_clean({"email": email}, partial=True)["email"]
        if data.get("phone"):
            phone = search_keys.normalise_phone(parsing.as_text(data["phone"], field="phone", max_length=40))
    except (DomainError, search_keys.InvalidPhone) as exc:
        column = getattr(exc, "field", None) or "phone"
        result.reject(number, column, getattr(exc, "message", None) or _("Enter a valid phone number."))
        return None
    key = f"email:{email}" if email else f"phone:{phone}" if phone else f"row:{number}"
    specs.setdefault(key, _GuestSpec(row=number, data=data, email=email, phone=phone)).rows.append(number)
    return key


def _lookup(field: str, values: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(values), 500):
        for gid, value in (
            Guest.objects.active().filter(**{f"{field}__in": chunk}).order_by("-id").values_list("id", field)
        ):
            found.setdefault(value, gid)
    return found


def _resolve_guests(valid, guest_keys: dict[int, str], specs: dict[str, _GuestSpec], result: ImportResult) -> None:
    """Match the file's guests to active profiles (e-mail, then phone, then the guest
    already on the stay); check the ones that must be created."""
    by_email = _lookup("email", {s.email for s in specs.values() if s.email})
    by_phone = _lookup("phone", {s.phone for s in specs.values() if s.phone})
    for spec in specs.values():
        spec.guest_id = by_email.get(spec.email) or by_phone.get(spec.phone)
    # A guest known only by name: the stay may already carry it (a re-run of the file).
    pending = [(n, s) for n, s in valid if n in guest_keys and specs[guest_keys[n]].guest_id is None]
    for chunk in chunks(pending, 500):
        current = {
            (p, c): g
            for p, c, g in Stay.objects.filter(
                property_id__in={s.property.pk for _n, s in chunk},
                confirmation_number__in={s.confirmation_number for _n, s in chunk},
                guest__merged_into__isnull=True,
            ).values_list("property_id", "confirmation_number", "guest_id")
        }
        for number, stay in chunk:
            spec = specs[guest_keys[number]]
            spec.guest_id = spec.guest_id or current.get((stay.property.pk, stay.confirmation_number))
    for spec in specs.values():
        if spec.guest_id is None:
            spec.error = _new_guest_error(spec)


def _new_guest_error(spec: _GuestSpec) -> tuple[str, str] | None:
    data = {k: v for k, v in spec.data.items() if k in GUEST_FIELDS}
    try:
        guest_data_clean(data, partial=False)  # validation only; nothing is written
    except DomainError as exc:
        column, messages = next(iter(exc.fields.items()))
        reason = messages[0]
        if column == "family_name" and not any(spec.data.get(f) for f in NAME_FIELDS):
            reason = _("No guest matches this e-mail or phone; a new guest needs a family or given name.")
        return (column if column in CSV_GUEST else "family_name", reason)
    return None


def _guest_refused(number: int, guest_keys, specs, result: ImportResult) -> bool:
    spec = specs.get(guest_keys.get(number))
    if spec is None or spec.error is None:
        return False
    result.reject(number, *spec.error)
    return True


def _create_guests(specs: dict[str, _GuestSpec], result: ImportResult, *, by) -> None:
    """Profiles for the file's unknown guests that an accepted row needs."""
    accepted = set(spec_row for spec in specs.values() for spec_row in spec.rows) - result.rejected_rows
    for spec in specs.values():
        if spec.guest_id is not None:
            if accepted.intersection(spec.rows):
                result.guests_matched += 1
            continue
        if spec.error is None and accepted.intersection(spec.rows):
            data = {k: v for k, v in spec.data.items() if k in GUEST_FIELDS}
            # The file matched its guests already (by e-mail, phone, member number): a
            # profile created here is a new person, not a duplicate to ask about.
            spec.guest_id = guest_create(
                data={**data, "consent_source": "import"}, by=by, channel="import", confirm_new=True
            ).pk
            result.guests_created += 1
