"""Bulk import of stays (and the guests they belong to) from files.

Two formats:

``csv`` — our own PMS export.  UTF-8 (a BOM is fine), comma separated, ``.csv`` or
``.csv.gz``, a header on the first row.  Columns:

* required: ``property`` (code), ``confirmation_number``, ``arrival_date``,
  ``departure_date`` (YYYY-MM-DD), ``status`` (reserved, in_house, checked_out,
  cancelled, no_show; ``Checked-out`` and the like are accepted), ``channel`` (direct,
  ota, gds, corporate, walk_in, group), ``room_revenue``, ``fnb_revenue``,
  ``other_revenue``, ``currency``, ``adults``, ``children``;
* optional stay columns: ``room_type``, ``room_number``, ``rate_code``,
  ``market_segment``, ``special_requests``, ``country``, ``check_in_at``,
  ``check_out_at`` (ISO 8601).  An optional column absent from the header leaves the
  stored value of an existing stay alone;
* optional guest columns: ``family_name``, ``given_name``, ``family_name_latin``,
  ``given_name_latin``, ``email``, ``phone``, ``gender``, ``birth_date``,
  ``nationality``, ``language``.  The stay's guest is the active profile with that
  e-mail, else with that phone (E.164 after normalising), else the guest already on the
  stay; otherwise a profile is created from the row (it then needs a name).  Existing
  profiles are matched, never changed.  A row without guest columns keeps the stay's
  current guest (or none).

``hotel-booking-demand`` — ``hotel_bookings.csv.gz`` as published (Antonio, de Almeida,
Nunes 2019; see ``../shared/data/README.md``): anonymised reservations, so stays without
a guest.  ``hotel`` → property ``H1`` (Resort Hotel) / ``H2`` (City Hotel), created when
missing; arrival from year, English month name and day; nights = weekend + week nights;
room revenue = ``adr`` × nights for checked-out stays (cancelled and no-show stays carry
no revenue, as everywhere in the CRM, so revenue totals need no status filter);
``reservation_status`` Check-Out / Canceled / No-Show → checked_out / cancelled /
no_show; channel from ``distribution_channel`` (TA/TO → ota, Undefined → direct);
``market_segment``, ``country`` (``NULL`` → empty), ``assigned_room_type``, adults,
children (``NA`` → 0).  The confirmation number is ``HBD-<data row number>``, so a
re-import finds the same stays.

Guarantees (SPEC §2.1): every row is validated before anything is written, and errors
come back per row and column (``row`` counts the header as row 1, as a spreadsheet
does); one bad row rejects the file and writes nothing; a dry run validates and counts
what would change, then rolls back; re-running the same file changes nothing (stays are
keyed by property + confirmation number and rows whose values are unchanged are not
touched, not even ``updated_at``).  ``guests.signals.stays_upserted`` is sent after the
commit, once per batch of stays actually created or changed — also for the anonymous
stays of ``hotel-booking-demand``, because listeners (analytics, dashboards) count stays
whether or not a guest is attached.

On PostgreSQL each batch is ``COPY``-ed into a temporary table and merged with one
``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... IS DISTINCT FROM``; elsewhere (SQLite)
the ORM compares with the stored rows and uses ``bulk_create`` / ``bulk_update``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import gzip
import operator
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import pgcopy
from crm_site.errors import DomainError

from . import search_keys, services
from .models import Guest, Property, Stay
from .signals import stays_upserted

FORMAT_CSV = "csv"
FORMAT_HOTEL_BOOKING_DEMAND = "hotel-booking-demand"
FORMATS = (FORMAT_CSV, FORMAT_HOTEL_BOOKING_DEMAND)
BATCH_SIZE = 10_000

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
    "room_number",
    "rate_code",
    "market_segment",
    "special_requests",
    "country",
    "check_in_at",
    "check_out_at",
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
# the file has them.  ``guest_id`` is handled apart: a row without a guest keeps the
# stay's current one.
_ALWAYS_SET = (
    "arrival_date",
    "departure_date",
    "nights",
    "status",
    "channel",
    "room_revenue",
    "fnb_revenue",
    "other_revenue",
    "total_revenue",
    "currency",
    "adults",
    "children",
)

HBD_PROPERTIES = {"Resort Hotel": "H1", "City Hotel": "H2"}
HBD_PROPERTY_DETAILS = {
    "H1": {"name": "Resort Hotel", "city": "Algarve", "country": "PRT", "currency": "EUR", "timezone": "Europe/Lisbon"},
    "H2": {"name": "City Hotel", "city": "Lisbon", "country": "PRT", "currency": "EUR", "timezone": "Europe/Lisbon"},
}
HBD_STATUS = {"Check-Out": Stay.Status.CHECKED_OUT, "Canceled": Stay.Status.CANCELLED, "No-Show": Stay.Status.NO_SHOW}
HBD_CHANNEL = {
    "Direct": Stay.Channel.DIRECT,
    "Corporate": Stay.Channel.CORPORATE,
    "TA/TO": Stay.Channel.OTA,
    "GDS": Stay.Channel.GDS,
    "Undefined": Stay.Channel.DIRECT,
}
HBD_SET = _ALWAYS_SET + ("room_type", "market_segment", "country")
_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass
class ImportResult:
    format: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    guests_created: int = 0
    guests_matched: int = 0
    properties_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "guests_created": self.guests_created,
            "guests_matched": self.guests_matched,
            "properties_created": self.properties_created,
            "errors": [e.as_dict() for e in self.errors],
            "seconds": round(self.seconds, 2),
        }


@dataclass
class _Row:
    number: int
    stay: Stay
    guest_key: str | None = None  # key into the file's guests, when the row names one


@dataclass
class _GuestSpec:
    row: int
    data: dict
    email: str = ""
    phone: str = ""
    guest_id: int | None = None


def import_stays(
    *,
    path: str | Path | IO[str],
    format: str = FORMAT_CSV,
    dry_run: bool = False,
    by=None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import a file of stays, all or nothing; see the module docstring."""
    if format not in FORMATS:
        raise DomainError(_("Unknown format; use one of: %(f)s.") % {"f": ", ".join(FORMATS)}, field="format")
    started = time.perf_counter()
    result = ImportResult(format=format, dry_run=dry_run)
    with _open(path) as stream:
        with transaction.atomic():
            if format == FORMAT_HOTEL_BOOKING_DEMAND:
                _import_hbd(stream, result, batch_size=batch_size)
            else:
                _import_csv(stream, result, batch_size=batch_size, by=by)
            if result.errors or dry_run:
                # Nothing of a rejected file or a dry run stays, and no signal is sent.
                transaction.set_rollback(True)
    if result.errors:
        result.created = result.updated = result.unchanged = result.guests_created = 0
        result.properties_created = []
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _open(source):
    """A text stream over a path (``.gz`` decompressed) or an already open stream."""
    if hasattr(source, "read"):
        yield source
        return
    path = Path(source)
    if not path.is_file():
        raise DomainError(_("File not found: %(p)s") % {"p": path}, field="path")
    if path.suffix == ".gz":
        stream = gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    else:
        stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    try:
        yield stream
    finally:
        stream.close()


def _reader(stream, result: ImportResult, *, required: Iterable[str], known: Iterable[str] | None):
    try:
        reader = csv.reader(stream)
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
        result.errors.append(RowError(1, "-", _("Cannot read the file: %(e)s") % {"e": exc}))
        return None, None
    if not header:
        result.errors.append(RowError(1, "-", _("The file is empty.")))
        return None, None
    header = [h.strip().lower() for h in header]
    for column in required:
        if column not in header:
            result.errors.append(RowError(1, column, _("Required column is missing.")))
    if known is not None:
        known = set(known)
        for column in header:
            if column not in known:
                result.errors.append(RowError(1, column or "-", _("Unknown column.")))
    seen = set()
    for column in header:
        if column in seen:
            result.errors.append(RowError(1, column, _("Column appears twice.")))
        seen.add(column)
    if result.errors:
        return None, None
    return header, reader


def _rows(reader, header, result: ImportResult, columns: Iterable[str] | None = None) -> Iterator[tuple[int, dict]]:
    """(row number, {column: stripped value}); the header is row 1.  ``columns`` limits
    the dict to the columns the format reads (the published dataset has 32)."""
    width = len(header)
    wanted = [(c, header.index(c)) for c in columns] if columns is not None else [(c, i) for i, c in enumerate(header)]
    number = 1
    try:
        for values in reader:
            number += 1
            if len(values) != width:
                if not any(v.strip() for v in values):
                    continue  # blank line
                result.errors.append(
                    RowError(number, "-", _("Expected %(n)d values, found %(m)d.") % {"n": width, "m": len(values)})
                )
                continue
            row = {c: values[i].strip() for c, i in wanted}
            if not any(row.values()):
                continue  # blank line
            yield number, row
    except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
        result.errors.append(RowError(number + 1, "-", _("Cannot read the file: %(e)s") % {"e": exc}))


def _build(number: int, row: dict, properties, result: ImportResult) -> Stay | None:
    try:
        return services.build_stay(row, properties=properties)
    except DomainError as exc:
        result.errors.append(RowError(number, exc.field or "-", str(exc.message)))
        return None


def _normalise_choice(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


# --- Our CSV ------------------------------------------------------------------------------------


def _import_csv(stream, result: ImportResult, *, batch_size: int, by) -> None:
    header, reader = _reader(stream, result, required=CSV_REQUIRED, known=CSV_COLUMNS)
    if header is None:
        return
    properties = {p.code: p for p in Property.objects.all()}
    guest_columns = [c for c in CSV_GUEST if c in header]
    rows: list[_Row] = []
    specs: dict[str, _GuestSpec] = {}
    seen_keys: dict[tuple, int] = {}
    for number, raw in _rows(reader, header, result):
        result.rows += 1
        for column in ("status", "channel"):
            if raw.get(column):
                raw[column] = _normalise_choice(raw[column])
        for column in ("check_in_at", "check_out_at"):
            if raw.get(column) == "":
                raw[column] = None
        stay = _build(number, raw, properties, result)
        guest_data = {c: raw[c] for c in guest_columns if raw.get(c)}
        guest_key = _guest_spec(number, guest_data, specs, result) if guest_data else None
        if stay is None:
            continue
        key = (stay.property.pk, stay.confirmation_number)
        if key in seen_keys:
            result.errors.append(
                RowError(
                    number,
                    "confirmation_number",
                    _("Duplicate of row %(n)d (same property and confirmation number).") % {"n": seen_keys[key]},
                )
            )
            continue
        seen_keys[key] = number
        rows.append(_Row(number, stay, guest_key))
    if not rows and not specs:
        return
    # Guests are checked even when stay rows failed, so one run reports every error.
    _resolve_guests(rows, specs, result)
    if result.errors:
        return
    _create_guests(specs, result, by=by)
    guest_of = {key: spec.guest_id for key, spec in specs.items()}
    for row in rows:
        if row.guest_key is not None:
            row.stay.guest_id = guest_of[row.guest_key]
    set_columns = _ALWAYS_SET + tuple(c for c in CSV_OPTIONAL_STAY if c in header)
    _write(rows, result, set_columns=set_columns, batch_size=batch_size)


def _guest_spec(number: int, data: dict, specs: dict[str, _GuestSpec], result: ImportResult) -> str | None:
    """Validate the row's guest columns; return the key of the file's guest it names."""
    email = data.get("email", "").lower()
    phone = ""
    bad = False
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            result.errors.append(RowError(number, "email", _("Enter a valid e-mail address.")))
            bad = True
    if data.get("phone"):
        try:
            phone = search_keys.normalise_phone(data["phone"])
        except search_keys.InvalidPhone:
            result.errors.append(RowError(number, "phone", _("Enter a valid phone number.")))
            bad = True
    if bad:
        return None
    key = f"email:{email}" if email else f"phone:{phone}" if phone else f"row:{number}"
    if key not in specs:
        specs[key] = _GuestSpec(row=number, data=data, email=email, phone=phone)
    return key


def _resolve_guests(rows: list[_Row], specs: dict[str, _GuestSpec], result: ImportResult) -> None:
    """Match the file's guests to active profiles (e-mail, then phone, then the guest
    already on the stay); validate the ones that must be created."""
    active = Guest.objects.active()
    emails = {s.email for s in specs.values() if s.email}
    phones = {s.phone for s in specs.values() if s.phone}
    by_email: dict[str, int] = {}
    for chunk in _chunks(sorted(emails), 500):
        for gid, email in active.filter(email__in=chunk).order_by("-id").values_list("id", "email"):
            by_email[email] = gid
    by_phone: dict[str, int] = {}
    for chunk in _chunks(sorted(phones), 500):
        for gid, phone in active.filter(phone__in=chunk).order_by("-id").values_list("id", "phone"):
            by_phone[phone] = gid
    for spec in specs.values():
        spec.guest_id = by_email.get(spec.email) or by_phone.get(spec.phone)
    # A guest known only by name: the stay may already carry it (a re-run of the file).
    pending = [r for r in rows if r.guest_key is not None and specs[r.guest_key].guest_id is None]
    for chunk in _chunks(pending, 500):
        current = dict(
            (
                (p, c),
                g,
            )
            for p, c, g in Stay.objects.filter(
                property_id__in={r.stay.property.pk for r in chunk},
                confirmation_number__in={r.stay.confirmation_number for r in chunk},
                guest__merged_into__isnull=True,
            ).values_list("property_id", "confirmation_number", "guest_id")
        )
        for r in chunk:
            gid = current.get((r.stay.property.pk, r.stay.confirmation_number))
            if gid and specs[r.guest_key].guest_id is None:
                specs[r.guest_key].guest_id = gid
    for spec in specs.values():
        if spec.guest_id is not None:
            result.guests_matched += 1
            continue
        data = {k: v for k, v in spec.data.items() if k in services.GUEST_FIELDS}
        try:
            spec.data = services._clean_guest_data(data, partial=False)  # validation only; no write
        except DomainError as exc:
            column = exc.field if exc.field in CSV_GUEST else "family_name"
            reason = str(exc.message)
            if exc.field == "family_name" and not any(spec.data.get(f) for f in services.NAME_FIELDS):
                reason = _("No guest matches this e-mail or phone; a new guest needs a family or given name.")
            result.errors.append(RowError(spec.row, column, reason))


def _create_guests(specs: dict[str, _GuestSpec], result: ImportResult, *, by) -> None:
    for spec in specs.values():
        if spec.guest_id is None:
            raw = {k: v for k, v in spec.data.items() if k in services.GUEST_FIELDS}
            raw["consent_source"] = "import"
            guest = services.guest_create(data=_raw_guest_data(raw), by=by)
            spec.guest_id = guest.pk
            result.guests_created += 1


def _raw_guest_data(cleaned: dict) -> dict:
    """guest_create validates again: hand it plain values."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in cleaned.items()}


# --- hotel-booking-demand ---------------------------------------------------------------------


def _ensure_hbd_properties(result: ImportResult) -> dict[str, Property]:
    properties = {}
    for code, details in HBD_PROPERTY_DETAILS.items():
        prop, created = Property.objects.get_or_create(code=code, defaults=details)
        if created:
            result.properties_created.append(code)
        properties[code] = prop
    return properties


HBD_REQUIRED = (
    "hotel",
    "arrival_date_year",
    "arrival_date_month",
    "arrival_date_day_of_month",
    "stays_in_weekend_nights",
    "stays_in_week_nights",
    "adults",
    "children",
    "country",
    "market_segment",
    "distribution_channel",
    "assigned_room_type",
    "adr",
    "reservation_status",
)


def _import_hbd(stream, result: ImportResult, *, batch_size: int) -> None:
    header, reader = _reader(stream, result, required=HBD_REQUIRED, known=None)
    if header is None:
        return
    properties = _ensure_hbd_properties(result)
    by_code = properties
    rows: list[_Row] = []
    for index, (number, raw) in enumerate(_rows(reader, header, result, HBD_REQUIRED), start=1):
        result.rows += 1
        mapped = _hbd_row(number, index, raw, result)
        if mapped is None:
            continue
        stay = _build(number, mapped, by_code, result)
        if stay is not None:
            rows.append(_Row(number, stay))
    if result.errors:
        return
    _write(rows, result, set_columns=HBD_SET, batch_size=batch_size)


def _hbd_int(number: int, raw: dict, column: str, result: ImportResult) -> int | None:
    value = raw.get(column, "")
    if column == "children" and value in ("NA", ""):
        return 0
    try:
        return int(value)
    except ValueError:
        result.errors.append(RowError(number, column, _("Enter a whole number.")))
        return None


def _hbd_row(number: int, index: int, raw: dict, result: ImportResult) -> dict | None:
    code = HBD_PROPERTIES.get(raw["hotel"])
    if code is None:
        result.errors.append(RowError(number, "hotel", _("Unknown hotel (Resort Hotel or City Hotel).")))
        return None
    month = _MONTHS.get(raw["arrival_date_month"].lower())
    if month is None:
        result.errors.append(RowError(number, "arrival_date_month", _("Unknown month name.")))
        return None
    ints = {
        c: _hbd_int(number, raw, c, result)
        for c in (
            "arrival_date_year",
            "arrival_date_day_of_month",
            "stays_in_weekend_nights",
            "stays_in_week_nights",
            "adults",
            "children",
        )
    }
    if any(v is None for v in ints.values()):
        return None
    try:
        arrival = dt.date(ints["arrival_date_year"], month, ints["arrival_date_day_of_month"])
    except ValueError:
        result.errors.append(RowError(number, "arrival_date_day_of_month", _("Not a valid date.")))
        return None
    nights = ints["stays_in_weekend_nights"] + ints["stays_in_week_nights"]
    status = HBD_STATUS.get(raw["reservation_status"])
    if status is None:
        result.errors.append(RowError(number, "reservation_status", _("Unknown reservation status.")))
        return None
    channel = HBD_CHANNEL.get(raw["distribution_channel"])
    if channel is None:
        result.errors.append(RowError(number, "distribution_channel", _("Unknown distribution channel.")))
        return None
    try:
        adr = Decimal(raw["adr"])
    except InvalidOperation:
        result.errors.append(RowError(number, "adr", _("Enter a number.")))
        return None
    room = (adr * nights).quantize(Decimal("0.01")) if status == Stay.Status.CHECKED_OUT else Decimal("0")
    country = raw["country"] if raw["country"] != "NULL" else ""
    return {
        "property": code,
        "confirmation_number": f"HBD-{index:06d}",
        "arrival_date": arrival,
        "departure_date": arrival + dt.timedelta(days=nights),
        "status": status,
        "channel": channel,
        "market_segment": raw["market_segment"],
        "room_type": raw["assigned_room_type"],
        "room_revenue": room,
        "currency": "EUR",
        "adults": ints["adults"],
        "children": ints["children"],
        "country": country,
    }


# --- Writing ------------------------------------------------------------------------------------


def _chunks(items, size: int):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write(rows: list[_Row], result: ImportResult, *, set_columns: tuple[str, ...], batch_size: int) -> None:
    now = timezone.now()
    writer = _write_batch_postgres if connection.vendor == "postgresql" else _write_batch_orm
    for chunk in _chunks(rows, batch_size):
        created, updated = writer([r.stay for r in chunk], set_columns=set_columns, now=now)
        result.created += len(created)
        result.updated += len(updated)
        changed = created + updated
        if changed:
            transaction.on_commit(functools.partial(stays_upserted.send, sender=Stay, stay_ids=changed))
    result.unchanged = len(rows) - result.created - result.updated


def _insert_columns() -> list[str]:
    names = ["property_id", "confirmation_number"]
    for name in services.STAY_UPSERT_FIELDS:
        names.append(Stay._meta.get_field(name).column)
    return names


def _write_batch_postgres(stays: list[Stay], *, set_columns, now) -> tuple[list[int], list[int]]:
    columns = _insert_columns()
    quoted = ", ".join(f'"{c}"' for c in columns)
    updates = [Stay._meta.get_field(c).column for c in set_columns]
    assignments = [f'"{c}" = EXCLUDED."{c}"' for c in updates]
    assignments.append('"guest_id" = COALESCE(EXCLUDED."guest_id", guests_stay."guest_id")')
    assignments.append('"updated_at" = EXCLUDED."updated_at"')
    current = ", ".join(f'guests_stay."{c}"' for c in updates) + ', guests_stay."guest_id"'
    incoming = ", ".join(f'EXCLUDED."{c}"' for c in updates) + ', COALESCE(EXCLUDED."guest_id", guests_stay."guest_id")'
    values_of = operator.attrgetter(*columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS guests_import_stays ON COMMIT DROP AS "
            f"SELECT {quoted} FROM guests_stay WITH NO DATA"
        )
        cursor.execute("TRUNCATE guests_import_stays")
        pgcopy.copy_text_rows(cursor, "guests_import_stays", columns, map(values_of, stays))
        cursor.execute(
            f"""
            INSERT INTO guests_stay ({quoted}, "created_at", "updated_at")
            SELECT {quoted}, %s, %s FROM guests_import_stays
            ON CONFLICT ("property_id", "confirmation_number") DO UPDATE SET {", ".join(assignments)}
            WHERE ({current}) IS DISTINCT FROM ({incoming})
            RETURNING "id", (xmax = 0)
            """,
            [now, now],
        )
        returned = cursor.fetchall()
    created = [pk for pk, inserted in returned if inserted]
    updated = [pk for pk, inserted in returned if not inserted]
    return created, updated


def _write_batch_orm(stays: list[Stay], *, set_columns, now) -> tuple[list[int], list[int]]:
    fields = list(set_columns) + ["guest"]
    attnames = [Stay._meta.get_field(f).attname for f in fields]
    existing = {
        (s.property_id, s.confirmation_number): s
        for s in Stay.objects.filter(
            property_id__in={s.property.pk for s in stays},
            confirmation_number__in={s.confirmation_number for s in stays},
        ).only("id", "property_id", "confirmation_number", *attnames)
    }
    new, changed = [], []
    for stay in stays:
        stored = existing.get((stay.property.pk, stay.confirmation_number))
        if stored is None:
            stay.created_at = stay.updated_at = now
            new.append(stay)
            continue
        if stay.guest_id is None:
            stay.guest_id = stored.guest_id
        differs = False
        for name in attnames:
            incoming = getattr(stay, name)
            if getattr(stored, name) != incoming:
                setattr(stored, name, incoming)
                differs = True
        if differs:
            stored.updated_at = now
            changed.append(stored)
    if new:
        Stay.objects.bulk_create(new, batch_size=1000)
    if changed:
        Stay.objects.bulk_update(changed, [*attnames, "updated_at"], batch_size=500)
    created_ids = [s.pk for s in new if s.pk]
    if len(created_ids) != len(new):
        keys = {s.confirmation_number for s in new}
        created_ids = list(
            Stay.objects.filter(property_id__in={s.property.pk for s in new}, confirmation_number__in=keys).values_list(
                "pk", flat=True
            )
        )
    return created_ids, [s.pk for s in changed]
