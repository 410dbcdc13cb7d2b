"""Writes and business rules for guest profiles, preferences, notes and stays.

Every function here validates first, writes inside one transaction, and raises
``DomainError`` naming the offending field; nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError, NotFound
from crm_site.extensions import guest_sections, merge_handlers, personal_data_holders

from . import audit, money, search_keys
from .models import AuditEvent, Guest, GuestMerge, GuestNote, GuestPreference, PreferenceType, Property, Stay
from .signals import guests_merged, stays_upserted

GUEST_FIELDS = (
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "gender",
    "birth_date",
    "nationality",
    "language",
    "email",
    "phone",
    "vip_code",
    "company",
    "marketing_email_consent",
    "marketing_sms_consent",
    "profiling_opt_out",
    "notes",
)
NAME_FIELDS = ("family_name", "given_name", "family_name_latin", "given_name_latin")


def _clean_guest_data(data: Mapping, *, partial: bool, current: Guest | None = None) -> dict:
    """Validate and normalise profile fields; derive the search keys."""
    unknown = set(data) - set(GUEST_FIELDS) - {"document_number", "consent_source"}
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(_("Unknown field."), field=field)
    cleaned = {k: v for k, v in data.items() if k in GUEST_FIELDS}

    for field in NAME_FIELDS + ("nationality", "language", "vip_code", "email", "phone", "notes"):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()

    def current_value(field):
        if field in cleaned:
            return cleaned[field]
        return getattr(current, field, "") if current else ""

    if not partial or any(f in cleaned for f in NAME_FIELDS):
        if not any(current_value(f) for f in NAME_FIELDS):
            raise DomainError(_("A guest needs at least a family or given name."), field="family_name")

    if cleaned.get("email"):
        email = cleaned["email"].lower()
        try:
            validate_email(email)
        except DjangoValidationError:
            raise DomainError(_("Enter a valid e-mail address."), field="email") from None
        cleaned["email"] = email
    if "phone" in cleaned:
        try:
            cleaned["phone"] = search_keys.normalise_phone(cleaned["phone"])
        except search_keys.InvalidPhone:
            raise DomainError(_("Enter a valid phone number."), field="phone") from None
        cleaned["phone_reversed"] = search_keys.phone_reversed(cleaned["phone"])
    birth_date = cleaned.get("birth_date")
    if birth_date is not None:
        if isinstance(birth_date, str):
            try:
                birth_date = dt.date.fromisoformat(birth_date)
            except ValueError:
                raise DomainError(_("Enter a valid date (YYYY-MM-DD)."), field="birth_date") from None
        if birth_date > timezone.localdate() or birth_date.year < 1900:
            raise DomainError(_("Birth date must be in the past."), field="birth_date")
        cleaned["birth_date"] = birth_date
    if cleaned.get("nationality"):
        nat = cleaned["nationality"].upper()
        if not nat.isalpha() or len(nat) not in (2, 3):
            raise DomainError(_("Use an ISO country code (2 or 3 letters)."), field="nationality")
        cleaned["nationality"] = nat
    if "gender" in cleaned and cleaned["gender"] not in Guest.Gender.values:
        raise DomainError(_("Unknown gender."), field="gender")

    if "document_number" in data:
        cleaned["document_hash"] = search_keys.document_hash(data["document_number"] or "")

    now = timezone.now()
    source = (data.get("consent_source") or "staff")[:50]
    for channel in ("email", "sms"):
        field = f"marketing_{channel}_consent"
        if field in cleaned and (current is None or bool(getattr(current, field)) != bool(cleaned[field])):
            cleaned[f"{field}_at"] = now
            cleaned[f"{field}_source"] = source

    if any(f in cleaned for f in NAME_FIELDS):
        names = {f: current_value(f) for f in NAME_FIELDS}
        cleaned.update(search_keys.name_keys(**names))
    return cleaned


def guest_create(*, data: Mapping, by=None) -> Guest:
    """Create a chain-wide profile.  Names, e-mail, phone and dates are validated."""
    cleaned = _clean_guest_data(data, partial=False)
    with transaction.atomic():
        guest = Guest(**cleaned)
        guest.save()
        audit.record(guest=guest, action=AuditEvent.Action.CREATE, by=by)
    return guest


def guest_update(*, guest_id: int, expected_version: int | None, data: Mapping, by=None) -> Guest:
    """Update a profile, refusing a stale edit.

    Optimistic locking: the row is updated only if its version is still the one the
    editor loaded; otherwise someone else saved first and we raise ConflictError (409)
    instead of silently overwriting their change.
    """
    if expected_version is None:
        raise DomainError(_("The profile version you edited is required."), field="version")
    with transaction.atomic():
        try:
            guest = Guest.objects.active().select_for_update().get(pk=guest_id)
        except Guest.DoesNotExist:
            raise NotFound(_("Guest not found.")) from None
        if guest.version != int(expected_version):
            raise ConflictError(
                _(
                    "Someone else saved this profile after you opened it (version %(theirs)s, "
                    "yours %(yours)s). Reload to see their changes, then apply yours again."
                )
                % {"theirs": guest.version, "yours": expected_version},
                field="version",
            )
        cleaned = _clean_guest_data(data, partial=True, current=guest)
        changed = sorted(k for k, v in cleaned.items() if k in GUEST_FIELDS and getattr(guest, k) != v)
        for key, value in cleaned.items():
            setattr(guest, key, value)
        guest.version = F("version") + 1
        guest.save()
        guest.refresh_from_db()
        audit.record(guest=guest, action=AuditEvent.Action.CHANGE, by=by, fields=changed)
    return guest


def preference_set(
    *,
    guest: Guest,
    preference_type: PreferenceType,
    note: str = "",
    source: str = GuestPreference.Source.STAFF,
    source_property: Property | None = None,
    confirmed_on: dt.date | None = None,
    by=None,
) -> GuestPreference:
    """Record (or re-confirm) a preference; it is shown at every property."""
    if not preference_type.is_active:
        raise DomainError(_("This preference is no longer offered."), field="preference_type")
    if source not in GuestPreference.Source.values:
        raise DomainError(_("Unknown source."), field="source")
    confirmed_on = confirmed_on or timezone.localdate()
    if confirmed_on > timezone.localdate():
        raise DomainError(_("Confirmation date cannot be in the future."), field="last_confirmed")
    preference, _created = GuestPreference.objects.update_or_create(
        guest=guest,
        preference_type=preference_type,
        defaults={
            "note": (note or "")[:200],
            "source": source,
            "source_property": source_property,
            "last_confirmed": confirmed_on,
        },
    )
    return preference


def preference_remove(*, guest: Guest, preference_id: int, by=None) -> None:
    deleted, _rows = GuestPreference.objects.filter(guest=guest, pk=preference_id).delete()
    if not deleted:
        raise NotFound(_("Preference not found."), field="preference")


def guest_note_add(*, guest: Guest, text: str, kind: str = GuestNote.Kind.NOTE, property=None, by=None) -> GuestNote:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("A note needs text."), field="text")
    if kind not in GuestNote.Kind.values:
        raise DomainError(_("Unknown note kind."), field="kind")
    return GuestNote.objects.create(guest=guest, kind=kind, text=text, property=property, created_by=by)


def guest_note_deactivate(*, guest: Guest, note_id: int, by=None) -> None:
    updated = GuestNote.objects.filter(guest=guest, pk=note_id).update(is_active=False)
    if not updated:
        raise NotFound(_("Note not found."), field="note")


# --- Stays --------------------------------------------------------------------------------

STAY_UPSERT_FIELDS = (
    "guest",
    "arrival_date",
    "departure_date",
    "nights",
    "check_in_at",
    "check_out_at",
    "room_type",
    "room_number",
    "rate_code",
    "channel",
    "market_segment",
    "status",
    "special_requests",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "total_revenue",
    "currency",
    "adults",
    "children",
    "country",
)


@dataclass(frozen=True)
class StayRowError:
    row: int
    field: str
    message: str

    def as_dict(self):
        return {"row": self.row, "field": self.field, "message": self.message}


class StayBatchError(DomainError):
    """A batch had invalid rows; nothing of it was written."""

    default_code = "invalid_rows"

    def __init__(self, errors: list[StayRowError]):
        super().__init__(_("%(n)d row(s) rejected; nothing was written.") % {"n": len(errors)}, field="rows")
        self.errors = errors

    def body(self):
        return {**super().body(), "rows": [e.as_dict() for e in self.errors]}


def _as_decimal(value, field) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        result = Decimal(str(value))
    except Exception:
        raise DomainError(_("Enter a number."), field=field) from None
    if not result.is_finite() or abs(result) >= Decimal("1e10"):
        raise DomainError(_("Enter a number."), field=field)
    return result.quantize(Decimal("0.01"))


def _as_date(value, field) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise DomainError(_("Enter a valid date (YYYY-MM-DD)."), field=field) from None


def _as_datetime(value, field) -> dt.datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string; naive means server time."""
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = parse_datetime(str(value))
        except ValueError:
            value = None
        if value is None:
            raise DomainError(_("Enter a valid date and time (ISO 8601)."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


# Computed once: ``TextChoices.values`` rebuilds its list on every access, which showed up
# in the bulk API and import profiles (two per row).
_STAY_STATUSES = frozenset(Stay.Status.values)
_STAY_CHANNELS = frozenset(Stay.Channel.values)


def build_stay(row: Mapping, *, properties: Mapping[str, Property], guest_ids: set[int] | None = None) -> Stay:
    """Validate one stay row (dict of plain values) into an unsaved Stay.

    ``properties`` maps property code to Property; ``guest_ids`` (when given) is the set
    of existing guest ids the batch refers to.  Raises DomainError naming the field.
    """
    prop = row.get("property")
    if isinstance(prop, Property):
        property_obj = prop
    else:
        property_obj = properties.get(str(prop or "").upper())
    if property_obj is None:
        raise DomainError(_("Unknown property code."), field="property")
    confirmation = str(row.get("confirmation_number") or "").strip()
    if not confirmation:
        raise DomainError(_("A confirmation number is required."), field="confirmation_number")
    if len(confirmation) > 40:
        raise DomainError(_("At most 40 characters."), field="confirmation_number")
    if row.get("arrival_date") in (None, ""):
        raise DomainError(_("Arrival date is required."), field="arrival_date")
    if row.get("departure_date") in (None, ""):
        raise DomainError(_("Departure date is required."), field="departure_date")
    arrival = _as_date(row.get("arrival_date"), "arrival_date")
    departure = _as_date(row.get("departure_date"), "departure_date")
    if departure < arrival:
        raise DomainError(_("Departure cannot be before arrival."), field="departure_date")
    if (departure - arrival).days > 365:
        raise DomainError(_("A stay cannot be longer than a year."), field="departure_date")
    status = row.get("status") or Stay.Status.RESERVED
    if status not in _STAY_STATUSES:
        raise DomainError(_("Unknown status."), field="status")
    channel = row.get("channel") or Stay.Channel.DIRECT
    if channel not in _STAY_CHANNELS:
        raise DomainError(_("Unknown channel."), field="channel")
    guest = row.get("guest")
    guest_id = guest.pk if hasattr(guest, "pk") else guest
    if guest_id in ("", None):
        guest_id = None
    else:
        try:
            guest_id = int(guest_id)
        except (TypeError, ValueError):
            raise DomainError(_("Unknown guest."), field="guest") from None
        if guest_ids is not None and guest_id not in guest_ids:
            raise DomainError(_("Unknown guest."), field="guest")
    counts = {}
    for field, default in (("adults", 1), ("children", 0)):
        value = row.get(field, default)
        try:
            value = int(value if value not in (None, "") else default)
        except (TypeError, ValueError):
            raise DomainError(_("Enter a whole number."), field=field) from None
        if value < 0 or value > 99:
            raise DomainError(_("Must be between 0 and 99."), field=field)
        counts[field] = value
    currency = str(row.get("currency") or property_obj.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise DomainError(_("Use a 3-letter ISO currency code."), field="currency")
    if money.rate(currency) is None:
        raise DomainError(
            _("No exchange rate is configured for %(currency)s.") % {"currency": currency}, field="currency"
        )
    revenue = {f: _as_decimal(row.get(f), f) for f in ("room_revenue", "fnb_revenue", "other_revenue")}
    texts = {}
    for field, limit in (
        ("room_type", 20),
        ("room_number", 10),
        ("rate_code", 20),
        ("market_segment", 30),
        ("country", 3),
    ):
        value = str(row.get(field) or "").strip()
        if len(value) > limit:
            raise DomainError(_("At most %(n)d characters.") % {"n": limit}, field=field)
        texts[field] = value
    return Stay(
        property=property_obj,
        guest_id=guest_id,
        confirmation_number=confirmation,
        arrival_date=arrival,
        departure_date=departure,
        nights=(departure - arrival).days,
        check_in_at=_as_datetime(row.get("check_in_at"), "check_in_at"),
        check_out_at=_as_datetime(row.get("check_out_at"), "check_out_at"),
        channel=channel,
        status=status,
        special_requests=str(row.get("special_requests") or ""),
        currency=currency,
        total_revenue=money.to_chain_currency(sum(revenue.values(), Decimal("0")), currency),
        **revenue,
        **counts,
        **texts,
    )


def _property_map() -> dict[str, Property]:
    return {p.code: p for p in Property.objects.all()}


def _upsert_postgres(stays: list[Stay]) -> list[Stay]:
    """``bulk_create(update_conflicts=True)`` for PostgreSQL, without the ORM's per-value
    compilation (a third of the time of a 500-row batch): the same
    ``INSERT ... ON CONFLICT (property, confirmation number) DO UPDATE``, its values
    quoted by psycopg2, sent through Django's cursor (so it is logged and counted like any
    query).  Sets the saved stays' ids."""
    attnames = ["property_id", "confirmation_number"]
    attnames += [Stay._meta.get_field(name).attname for name in STAY_UPSERT_FIELDS]
    attnames += ["created_at", "updated_at"]
    columns = ", ".join(f'"{Stay._meta.get_field(a).column}"' for a in attnames)
    updated = [Stay._meta.get_field(name).column for name in STAY_UPSERT_FIELDS] + ["updated_at"]
    assignments = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in updated)
    values_of = operator.attrgetter(*attnames)
    row_template = "(" + ", ".join(["%s"] * len(attnames)) + ")"
    saved = []
    with connection.cursor() as cursor:
        for start in range(0, len(stays), 1000):
            chunk = stays[start : start + 1000]
            values = b", ".join(cursor.cursor.mogrify(row_template, values_of(s)) for s in chunk).decode()
            cursor.execute(
                f"INSERT INTO {Stay._meta.db_table} ({columns}) VALUES {values} "
                f'ON CONFLICT ("property_id", "confirmation_number") DO UPDATE SET {assignments} RETURNING "id"'
            )
            for stay, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                stay.pk = pk
                stay._state.adding = False
                saved.append(stay)
    return saved


def stays_upsert(*, rows: Iterable[Mapping], by=None) -> list[Stay]:
    """Insert or update stays by (property, confirmation number), all or nothing.

    Re-sending the same rows changes nothing (the confirmation number is the idempotency
    key).  Any invalid row rejects the whole batch with a per-row error report.
    """
    rows = list(rows)
    properties = _property_map()
    referenced = set()
    for row in rows:
        g = row.get("guest")
        g = g.pk if hasattr(g, "pk") else g
        try:
            if g not in (None, ""):
                referenced.add(int(g))
        except (TypeError, ValueError):
            pass
    existing_guests = set(Guest.objects.active().filter(pk__in=referenced).values_list("pk", flat=True))
    stays, errors, seen = [], [], set()
    for index, row in enumerate(rows):
        try:
            stay = build_stay(row, properties=properties, guest_ids=existing_guests)
        except DomainError as exc:
            errors.append(StayRowError(index, exc.field or "detail", str(exc.message)))
            continue
        key = (stay.property.pk, stay.confirmation_number)
        if key in seen:
            errors.append(StayRowError(index, "confirmation_number", _("Duplicate confirmation number in this batch.")))
            continue
        seen.add(key)
        stays.append(stay)
    if errors:
        raise StayBatchError(errors)
    if not stays:
        return []
    now = timezone.now()
    for stay in stays:
        stay.created_at = stay.updated_at = now
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                saved = _upsert_postgres(stays)
            else:
                saved = Stay.objects.bulk_create(
                    stays,
                    update_conflicts=True,
                    unique_fields=["property", "confirmation_number"],
                    update_fields=[*STAY_UPSERT_FIELDS, "updated_at"],
                    batch_size=1000,
                )
    except IntegrityError as exc:
        raise DomainError(_("The batch conflicts with existing data: %(e)s") % {"e": exc}, field="rows") from exc
    ids = [s.pk for s in saved if s.pk]
    if len(ids) != len(saved):
        # SQLite < 3.35 does not return ids from an upsert: look them up by key, per
        # property (a cross product of codes and numbers would catch other stays).
        numbers_by_property: dict[int, set[str]] = {}
        for stay in saved:
            numbers_by_property.setdefault(stay.property.pk, set()).add(stay.confirmation_number)
        by_key = Q(pk__in=[])
        for property_id, numbers in numbers_by_property.items():
            by_key |= Q(property_id=property_id, confirmation_number__in=numbers)
        ids = list(Stay.objects.filter(by_key).values_list("pk", flat=True))
    transaction.on_commit(lambda: stays_upserted.send(sender=Stay, stay_ids=ids))
    return saved


def stay_upsert(*, row: Mapping, by=None) -> Stay:
    """One stay; errors name the field directly rather than a row."""
    try:
        saved = stays_upsert(rows=[row], by=by)
    except StayBatchError as exc:
        first = exc.errors[0]
        raise DomainError(first.message, field=first.field) from None
    stay = saved[0]
    return Stay.objects.select_related("property", "guest").get(
        property=stay.property, confirmation_number=stay.confirmation_number
    )


def stay_update(*, stay: Stay, data: Mapping, by=None) -> Stay:
    """Change a stay; its property and confirmation number (the key) cannot change."""
    for field in ("property", "confirmation_number"):
        if field in data:
            given = data[field]
            current = stay.property.code if field == "property" else stay.confirmation_number
            given = given.code if isinstance(given, Property) else str(given)
            if given.upper() != current.upper():
                raise DomainError(_("This cannot change; create a new stay instead."), field=field)
    row = {f: getattr(stay, f) for f in STAY_UPSERT_FIELDS if f not in ("nights", "total_revenue")}
    row["guest"] = stay.guest_id
    row.update({k: v for k, v in data.items() if k not in ("property", "confirmation_number")})
    row["property"] = stay.property
    row["confirmation_number"] = stay.confirmation_number
    return stay_upsert(row=row, by=by)


# --- Privacy (GDPR / PIPL) ------------------------------------------------------------------

ERASED_NAME = "Erased"


def guest_export(*, guest: Guest, by=None, channel: str = "web") -> dict:
    """Everything the chain holds about one guest, as JSON-ready data (right of access).

    The core profile, preferences, notes and stays come from here; every other app adds
    its part through its registered 360 section, so nothing is left out as apps grow.
    """

    def plain(obj, fields):
        return {
            f: (str(v) if v is not None and not isinstance(v, bool | int | str) else v)
            for f in fields
            for v in [getattr(obj, f)]
        }

    data = {
        "guest": plain(
            guest,
            ["id", *GUEST_FIELDS, "marketing_email_consent_at", "marketing_sms_consent_at", "created_at", "updated_at"],
        ),
        "preferences": [
            {
                "preference": p.preference_type.label,
                "note": p.note,
                "source": p.source,
                "last_confirmed": p.last_confirmed.isoformat(),
            }
            for p in guest.preferences.select_related("preference_type")
        ],
        "notes": [
            {"kind": n.kind, "text": n.text, "created_at": n.created_at.isoformat()} for n in guest.guest_notes.all()
        ],
        "stays": [
            plain(
                s,
                [
                    "confirmation_number",
                    "arrival_date",
                    "departure_date",
                    "room_type",
                    "rate_code",
                    "channel",
                    "status",
                    "special_requests",
                    "room_revenue",
                    "fnb_revenue",
                    "other_revenue",
                    "currency",
                    "adults",
                    "children",
                ],
            )
            | {"property": s.property.code}
            for s in guest.stays.select_related("property").order_by("arrival_date")
        ],
    }
    data["guest"]["company"] = guest.company.name if guest.company_id else None
    for section in guest_sections():
        if section.profile is not None:
            data[section.key] = section.profile(guest, by)
    for holder in personal_data_holders():
        if holder.export is not None:
            data[holder.key] = holder.export(guest, by)
    audit.record(guest=guest, action=AuditEvent.Action.EXPORT, by=by, channel=channel)
    return data


def guest_erase(*, guest_id: int, by=None, channel: str = "web") -> Guest:
    """Erase a guest by anonymising the profile (right to be forgotten).

    Personal data goes; stays and their revenue stay (statistics need them) but point
    at an anonymous profile.  Every app that holds personal data scrubs it through its
    registered ``PersonalData.erase`` (``crm_site.extensions``), in this transaction.
    """
    with transaction.atomic():
        try:
            guest = Guest.objects.active().select_for_update().get(pk=guest_id)
        except Guest.DoesNotExist:
            raise NotFound(_("Guest not found.")) from None
        if guest.is_anonymised:
            raise DomainError(_("This guest has already been erased."), field="guest")
        for field in (
            "family_name",
            "given_name",
            "given_name_latin",
            "email",
            "phone",
            "phone_reversed",
            "document_hash",
            "vip_code",
            "notes",
            "nationality",
            "language",
            "gender",
            "marketing_email_consent_source",
            "marketing_sms_consent_source",
        ):
            setattr(guest, field, "")
        guest.family_name_latin = ERASED_NAME
        guest.birth_date = None
        guest.company = None
        guest.marketing_email_consent = guest.marketing_sms_consent = False
        guest.marketing_email_consent_at = guest.marketing_sms_consent_at = timezone.now()
        guest.profiling_opt_out = True
        guest.is_anonymised = True
        guest.search_document = guest.name_key = guest.name_initials = ""
        guest.version = F("version") + 1
        guest.save()
        guest.preferences.all().delete()
        guest.guest_notes.all().delete()
        Stay.objects.filter(guest=guest).update(special_requests="")
        audit.record(guest=guest, action=AuditEvent.Action.ERASE, by=by, channel=channel)
        for holder in personal_data_holders():
            if holder.erase is not None:
                holder.erase([guest.pk])
    guest.refresh_from_db()
    return guest


# --- Duplicates: merge and undo ---------------------------------------------------------------

MERGE_FILL_FIELDS = ("email", "phone", "birth_date", "nationality", "language", "document_hash", "gender")


def _move_core_rows(merged_id: int, survivor_id: int) -> dict:
    """Stays, notes and the preferences the survivor does not already have."""
    stay_ids = list(Stay.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    Stay.objects.filter(pk__in=stay_ids).update(guest_id=survivor_id)
    note_ids = list(GuestNote.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    GuestNote.objects.filter(pk__in=note_ids).update(guest_id=survivor_id)
    survivor_types = GuestPreference.objects.filter(guest_id=survivor_id).values("preference_type_id")
    pref_ids = list(
        GuestPreference.objects.filter(guest_id=merged_id)
        .exclude(preference_type_id__in=survivor_types)
        .values_list("pk", flat=True)
    )
    GuestPreference.objects.filter(pk__in=pref_ids).update(guest_id=survivor_id)
    return {"stays": stay_ids, "notes": note_ids, "preferences": pref_ids}


def _restore_core_rows(moved: dict, merged_id: int, survivor_id: int) -> None:
    Stay.objects.filter(pk__in=moved.get("stays", []), guest_id=survivor_id).update(guest_id=merged_id)
    GuestNote.objects.filter(pk__in=moved.get("notes", []), guest_id=survivor_id).update(guest_id=merged_id)
    GuestPreference.objects.filter(pk__in=moved.get("preferences", []), guest_id=survivor_id).update(guest_id=merged_id)


def guest_merge(*, survivor_id: int, merged_id: int, by=None, note: str = "") -> GuestMerge:
    """Merge a duplicate profile into the survivor.

    Stays, notes, preferences (where the survivor has none of that kind) and every other
    app's rows (points, complaints, warnings... through their merge handlers) move to the
    survivor; blank survivor fields are filled from the duplicate.  The duplicate stays
    as a hidden record pointing at the survivor.  Everything that moved is recorded so
    the merge can be explained and undone exactly.
    """
    from .selectors import duplicate_reasons

    if str(survivor_id) == str(merged_id):
        raise DomainError(_("Choose two different guests."), field="merged")
    with transaction.atomic():
        # Lock both rows in id order so two simultaneous merges cannot deadlock.
        locked = {
            g.pk: g for g in Guest.objects.select_for_update().filter(pk__in=[survivor_id, merged_id]).order_by("pk")
        }
        survivor, merged = locked.get(int(survivor_id)), locked.get(int(merged_id))
        if survivor is None:
            raise NotFound(_("Guest not found."), field="survivor")
        if merged is None:
            raise NotFound(_("Guest not found."), field="merged")
        if survivor.merged_into_id:
            raise DomainError(_("This guest was itself merged into another profile."), field="survivor")
        if merged.merged_into_id:
            raise DomainError(_("This guest has already been merged."), field="merged")
        if survivor.is_anonymised or merged.is_anonymised:
            raise DomainError(_("Erased guests cannot be merged."), field="merged")

        moved = {"guests": _move_core_rows(merged.pk, survivor.pk)}
        for handler in merge_handlers():
            moved[handler.key] = handler.move(merged.pk, survivor.pk)

        filled = {}
        for field in MERGE_FILL_FIELDS:
            if not getattr(survivor, field) and getattr(merged, field):
                filled[field] = getattr(merged, field)
                setattr(survivor, field, getattr(merged, field))
        if "phone" in filled:
            survivor.phone_reversed = search_keys.phone_reversed(survivor.phone)
        moved["filled_fields"] = {k: str(v) for k, v in filled.items()}
        survivor.version = F("version") + 1
        survivor.save()
        merged.merged_into = survivor
        merged.version = F("version") + 1
        merged.save(update_fields=["merged_into", "version", "updated_at"])

        record = GuestMerge.objects.create(
            survivor=survivor,
            merged=merged,
            reasons=duplicate_reasons(survivor, merged),
            reason_note=(note or "")[:300],
            moved=moved,
            merged_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(guest=survivor, action=AuditEvent.Action.MERGE, by=by, merged=merged.pk, merge=record.pk)
        audit.record(guest=merged, action=AuditEvent.Action.MERGE, by=by, survivor=survivor.pk, merge=record.pk)
        transaction.on_commit(lambda: guests_merged.send(sender=Guest, survivor_id=survivor.pk, merged_id=merged.pk))
    return record


def guest_merge_undo(*, merge_id: int, by=None) -> GuestMerge:
    """Undo a merge: exactly the rows that moved go back and the duplicate reappears."""
    with transaction.atomic():
        try:
            record = GuestMerge.objects.select_for_update().get(pk=merge_id)
        except GuestMerge.DoesNotExist:
            raise NotFound(_("Merge not found.")) from None
        if record.undone_at:
            raise DomainError(_("This merge was already undone."), field="merge")
        locked = {
            g.pk: g
            for g in Guest.objects.select_for_update()
            .filter(pk__in=[record.survivor_id, record.merged_id])
            .order_by("pk")
        }
        survivor, merged = locked[record.survivor_id], locked[record.merged_id]
        if survivor.merged_into_id:
            raise DomainError(_("The surviving profile was merged again since; undo that merge first."), field="merge")
        for handler in reversed(merge_handlers()):
            if handler.key in record.moved:
                handler.restore(record.moved[handler.key], merged.pk, survivor.pk)
        _restore_core_rows(record.moved.get("guests", {}), merged.pk, survivor.pk)
        for field, value in record.moved.get("filled_fields", {}).items():
            if str(getattr(survivor, field)) == value:
                setattr(survivor, field, "" if field != "birth_date" else None)
        survivor.phone_reversed = search_keys.phone_reversed(survivor.phone)
        survivor.version = F("version") + 1
        survivor.save()
        merged.merged_into = None
        merged.version = F("version") + 1
        merged.save(update_fields=["merged_into", "version", "updated_at"])
        record.undone_at = timezone.now()
        record.undone_by = by if getattr(by, "is_authenticated", False) else None
        record.save(update_fields=["undone_at", "undone_by"])
        audit.record(guest=survivor, action=AuditEvent.Action.UNMERGE, by=by, merge=record.pk)
        audit.record(guest=merged, action=AuditEvent.Action.UNMERGE, by=by, merge=record.pk)
    return record
