"""Exchange rates: one write path for the admin, the API and ``import_rates``.

A rate is units of chain currency per unit of a currency from a date (``guests.money``):
positive, at most eight decimals, one per currency per day.  A batch (an API list, a
file) is all or nothing: a missing or malformed currency, a zero or negative rate, a
date outside 1900-2100, the same currency and date twice in the batch, or a date that
already holds a different rate refuses the batch, each error naming its row and field.
Sending a rate that is already stored, unchanged, changes nothing (a file can be
re-run).  Correcting a stored rate changes only that rate: stays keep the rate they
were converted with.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import ConflictError, DomainError, ErrorBag, NotFound

from .. import money
from ..models import ExchangeRate
from .stay_rows import StayRowError
from .stays import BatchError

RATE_FIELDS = ("currency", "valid_from", "rate")
RATE_PLACES = Decimal("0.00000001")
MAX_RATE = Decimal("1000000")


@dataclass
class RateReport:
    """What a batch did: rates created and rates already stored as sent."""

    created: list[ExchangeRate] = field(default_factory=list)
    unchanged: list[ExchangeRate] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": len(self.created), "unchanged": len(self.unchanged)}


def _currency(value, *, field: str) -> str:
    currency = parsing.as_text(value, field=field, max_length=3, required=True).upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise DomainError(_("Use a 3-letter ISO currency code."), field=field, code="invalid_currency")
    if currency == money.chain_currency():
        raise DomainError(
            _("%(currency)s is the chain currency: its rate is always 1.") % {"currency": currency},
            field=field,
            code="chain_currency",
        )
    return currency


def _rate(value, *, field: str) -> Decimal:
    if value in (None, "") or isinstance(value, bool):
        raise DomainError(_("Enter a rate (chain currency per unit)."), field=field, code="required")
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a rate (chain currency per unit)."), field=field, code="invalid_rate") from None
    if not rate.is_finite() or rate <= 0:
        raise DomainError(_("A rate must be greater than zero."), field=field, code="not_positive")
    if rate >= MAX_RATE:
        raise DomainError(_("A rate must be below 1,000,000."), field=field, code="out_of_range")
    if rate != rate.quantize(RATE_PLACES):
        raise DomainError(_("Use at most eight decimals."), field=field, code="too_many_decimals")
    return rate.quantize(RATE_PLACES)


def _valid_from(value, *, field: str) -> dt.date:
    return parsing.as_date(value, field=field)


_CHECKS = {"currency": _currency, "valid_from": _valid_from, "rate": _rate}


def exchange_rate_clean(data, *, fields=RATE_FIELDS) -> dict:
    """Every invalid field of one rate at once (``DomainError.many``)."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send each rate as an object."), field="rates", code="invalid")
    bag, cleaned = ErrorBag(), {}
    for name in fields:
        value = data.get(name)
        if isinstance(value, dict | list):
            bag.add(DomainError(_("Send a single value (text, number or null)."), field=name, code="invalid"))
            continue
        result = bag.check(_CHECKS[name], value, field=name)
        if name not in bag.fields:
            cleaned[name] = result
    bag.raise_if_any()
    return cleaned


def _clean_rows(rows: Iterable[tuple[int, Mapping]]) -> tuple[list[tuple[int, dict]], list[StayRowError]]:
    valid, errors, first_of = [], [], {}
    for number, data in rows:
        try:
            rate = exchange_rate_clean(data)
        except DomainError as error:
            errors.extend(StayRowError(number, name, m) for name, msgs in error.fields.items() for m in msgs)
            continue
        key = (rate["currency"], rate["valid_from"])
        if key in first_of:
            message = _("Row %(n)d has a rate for this currency and date already.") % {"n": first_of[key]}
            errors.append(StayRowError(number, "valid_from", message))
            continue
        first_of[key] = number
        valid.append((number, rate))
    return valid, errors


def _against_stored(valid: list[tuple[int, dict]], report: RateReport, errors: list[StayRowError]) -> list[dict]:
    """Rates already stored as sent are unchanged; a date holding another rate is refused."""
    stored = {
        (r.currency, r.valid_from): r
        for r in ExchangeRate.objects.filter(
            currency__in={v["currency"] for _n, v in valid}, valid_from__in={v["valid_from"] for _n, v in valid}
        )
    }
    new = []
    for number, rate in valid:
        existing = stored.get((rate["currency"], rate["valid_from"]))
        if existing is None:
            new.append(rate)
        elif existing.rate == rate["rate"]:
            report.unchanged.append(existing)
        else:
            message = _("%(currency)s already has the rate %(rate)s on this date; correct that rate instead.") % {
                "currency": existing.currency,
                "rate": existing.rate.normalize(),
            }
            errors.append(StayRowError(number, "valid_from", message))
    return new


def exchange_rates_add(*, rows: Iterable[Mapping], by=None, source: str = "api", first_row: int = 0) -> RateReport:
    """Add a batch of rates, all or nothing (``BatchError`` names each row and field).
    ``first_row`` numbers the rows (0 for an API list, 2 for a file under its header)."""
    valid, errors = _clean_rows(enumerate(rows, start=first_row))
    report = RateReport()
    new = _against_stored(valid, report, errors) if valid else []
    if errors:
        raise BatchError(sorted(errors, key=lambda e: e.row))
    user = by if getattr(by, "pk", None) else None
    try:
        with transaction.atomic():
            report.created = ExchangeRate.objects.bulk_create(
                [ExchangeRate(**rate, source=source, created_by=user) for rate in new]
            )
    except IntegrityError:
        raise ConflictError(_("Someone entered one of these rates at the same time; send them again.")) from None
    return report


def exchange_rate_create(*, data, by=None, source: str = "api") -> tuple[ExchangeRate, bool]:
    """One rate: ``(rate, created)``; errors name the fields (not a row).  Sending a
    stored rate again returns it, not created."""
    try:
        report = exchange_rates_add(rows=[data], by=by, source=source)
    except BatchError as exc:
        raise DomainError.many({e.field: [e.message] for e in exc.errors}) from None
    return (report.created[0], True) if report.created else (report.unchanged[0], False)


def exchange_rate_update(*, rate_id: int, data, by=None) -> ExchangeRate:
    """Correct a rate's value; its currency and date do not change (enter a new rate for
    a new date).  Stays already converted keep the rate they used."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the rate as an object."), field="detail", code="invalid")
    entry = ExchangeRate.objects.filter(pk=rate_id).first()
    if entry is None:
        raise NotFound(_("Exchange rate not found."))
    for name in ("currency", "valid_from"):
        if name in data and str(data[name] or "").strip().upper() != str(getattr(entry, name)):
            raise DomainError(_("This cannot change; enter a new rate instead."), field=name, code="immutable")
    entry.rate = exchange_rate_clean(data, fields=("rate",))["rate"]
    entry.save(update_fields=["rate", "updated_at"])
    return entry


def exchange_rates_import(*, stream, by=None, dry_run: bool = False) -> RateReport:
    """A CSV file of rates (header ``currency,valid_from,rate``; other columns are
    refused), all or nothing; rows are numbered from 2 as a spreadsheet shows them."""
    try:
        reader = csv.DictReader(stream)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        rows = [{k.strip().lower(): v for k, v in row.items() if k} for row in reader]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DomainError(_("Cannot read the file: %(e)s") % {"e": exc}, field="file", code="unreadable") from None
    _check_header(header)
    with transaction.atomic():
        report = exchange_rates_add(rows=rows, by=by, source="import", first_row=2)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _check_header(header: list[str]) -> None:
    if not header:
        raise DomainError(_("The file is empty."), field="file", code="empty")
    errors = [StayRowError(1, c, _("Required column is missing.")) for c in RATE_FIELDS if c not in header]
    errors += [StayRowError(1, c, _("Unknown column.")) for c in header if c not in RATE_FIELDS]
    errors += [StayRowError(1, c, _("Column appears twice.")) for c in set(header) if header.count(c) > 1]
    if errors:
        raise BatchError(errors)
