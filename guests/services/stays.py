"""Stays: the one upsert path of the API, the bulk API, the importer and the admin.

``stays_upsert`` validates every row with one rule set (``stay_rows``), writes the valid
ones with one writer (``stay_writer``: keyed by property + confirmation number, a resend
without a guest keeps the guest, unchanged rows are not touched, rows locked in key
order) and reports each row as created, updated, unchanged or rejected.  Only the ids
of stays actually created or changed go out in ``guests.signals.stays_upserted``, after
the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError, DomainError

from .. import money
from ..models import Property, Stay
from ..signals import stays_upserted
from .stay_rows import ROW_FIELDS, STAY_FIELDS, StayRowContext, StayRowError, stay_row_fill, stay_rows_clean
from .stay_writer import CREATED, KEPT_WHEN_EMPTY, UNCHANGED, UPDATED, write_stays

REJECTED = "rejected"
MAX_BATCH = 1_000


class BatchError(DomainError):
    """A batch (of stays, of rates) had invalid rows; nothing of it was written.  The body
    adds ``rows``: ``[{row, field, message}]``."""

    default_code = "invalid_rows"

    def __init__(self, errors: list[StayRowError]):
        rows = len({e.row for e in errors})
        super().__init__(_("%(n)d row(s) rejected; nothing was written.") % {"n": rows}, field="rows")
        self.errors = errors

    def body(self):
        return {**super().body(), "rows": [e.as_dict() for e in self.errors]}


class StayBatchError(BatchError):
    """A batch of stays had invalid rows; nothing of it was written."""


@dataclass(frozen=True)
class StayRowResult:
    row: int
    status: str  # created | updated | unchanged | rejected
    stay_id: int | None = None
    errors: tuple[StayRowError, ...] = ()

    def as_dict(self) -> dict:
        result = {"row": self.row, "status": self.status, "id": self.stay_id}
        if self.errors:
            result["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return result


@dataclass
class StayUpsertReport:
    """What happened to each row of a batch, in the batch's order."""

    results: list[StayRowResult] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def created(self) -> int:
        return self._count(CREATED)

    @property
    def updated(self) -> int:
        return self._count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def rejected(self) -> int:
        return self._count(REJECTED)

    @property
    def changed_ids(self) -> list[int]:
        return [r.stay_id for r in self.results if r.status in (CREATED, UPDATED)]

    @property
    def errors(self) -> list[StayRowError]:
        return [e for r in self.results for e in r.errors]

    def as_dict(self) -> dict:
        return {
            "upserted": len(self.results) - self.rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rows": [r.as_dict() for r in self.results],
        }


# What a stay's conversion to the chain currency depends on (guests.money).
CONVERSION_INPUTS = ("currency", "arrival_date", "departure_date", "room_revenue", "fnb_revenue", "other_revenue")


def _conversion_inputs(stay: Stay) -> tuple:
    return tuple(getattr(stay, f) for f in CONVERSION_INPUTS)


def stays_keep_rates(stays: Sequence[Stay]) -> None:
    """A stay sent again with its currency, dates and revenue as stored keeps the rate it
    was converted with (a rate entered since never moves a stored total); one that changes
    any of them keeps the rate for its date it was validated with.  One query, only for
    stays in a currency other than the chain's."""
    foreign = [s for s in stays if s.exchange_rate_date is not None]
    if not foreign:
        return
    stored = {
        (row[0], row[1]): row[2:]
        for row in Stay.objects.filter(
            property_id__in={s.property.pk for s in foreign},
            confirmation_number__in={s.confirmation_number for s in foreign},
        ).values_list("property_id", "confirmation_number", *CONVERSION_INPUTS, "exchange_rate", "exchange_rate_date")
    }
    width = len(CONVERSION_INPUTS)
    for stay in foreign:
        old = stored.get((stay.property.pk, stay.confirmation_number))
        if old is None or old[:width] != _conversion_inputs(stay):
            continue
        stay.exchange_rate, stay.exchange_rate_date = old[width:]
        revenue = stay.room_revenue + stay.fnb_revenue + stay.other_revenue
        stay.total_revenue = money.convert(revenue, stay.exchange_rate)


def stays_save(*, stays: Sequence[tuple[int, Stay]], columns: Sequence[str] = STAY_FIELDS) -> list[StayRowResult]:
    """Write validated, numbered stays in one transaction; send ``stays_upserted`` with the
    ids of those created or changed once it commits.  ``columns`` are the stored fields
    the source carries (the others of an existing stay are left alone)."""
    try:
        with transaction.atomic():
            stays_keep_rates([s for _n, s in stays])
            written = write_stays([s for _n, s in stays], columns=columns, now=timezone.now())
    except IntegrityError as exc:
        raise ConflictError(_("The batch conflicts with existing data."), field="rows") from exc
    results = []
    for number, stay in stays:
        pk, status = written[(stay.property.pk, stay.confirmation_number)]
        stay.pk = pk
        results.append(StayRowResult(number, status, pk))
    changed = [r.stay_id for r in results if r.status != UNCHANGED]
    if changed:
        transaction.on_commit(lambda: stays_upserted.send(sender=Stay, stay_ids=changed))
    return results


def stays_upsert(*, rows: Iterable[Mapping], by=None, all_or_nothing: bool = True) -> StayUpsertReport:
    """Insert or update stays by (property, confirmation number).

    Every row is validated first; a row at a property outside ``by``'s properties is
    invalid (``crm_site.scope``).  ``all_or_nothing`` (the bulk API): any invalid row
    rejects the batch (``StayBatchError`` with a report per row) and nothing is written;
    otherwise the invalid rows are reported as rejected and the others are written.
    Re-sending the same rows changes nothing and signals nothing.
    """
    rows = list(rows)
    valid, errors = stay_rows_clean(enumerate(rows), context=StayRowContext.for_rows(rows, by=by))
    if errors and all_or_nothing:
        raise StayBatchError(errors)
    by_row = {r.row: r for r in stays_save(stays=valid)}
    rejected: dict[int, list[StayRowError]] = {}
    for error in errors:
        rejected.setdefault(error.row, []).append(error)
    return StayUpsertReport(
        [by_row.get(n) or StayRowResult(n, REJECTED, errors=tuple(rejected.get(n, ()))) for n in range(len(rows))]
    )


def stay_upsert(*, row: Mapping, by=None) -> tuple[Stay, str]:
    """One stay, by its key: ``(stay, "created" | "updated" | "unchanged")``.  Errors name
    the fields directly (not a row)."""
    try:
        report = stays_upsert(rows=[row], by=by)
    except StayBatchError as exc:
        raise DomainError.many({e.field: [e.message] for e in exc.errors}) from None
    result = report.results[0]
    return Stay.objects.select_related("property", "guest").get(pk=result.stay_id), result.status


def _key_unchanged(stay: Stay, data: Mapping) -> None:
    for name in ("property", "confirmation_number"):
        if name not in data:
            continue
        given = data[name]
        given = given.code if isinstance(given, Property) else str(given or "")
        current = stay.property.code if name == "property" else stay.confirmation_number
        if given.strip().upper() != current.upper():
            raise DomainError(_("This cannot change; create a new stay instead."), field=name, code="immutable")


def stay_update(*, stay: Stay, data: Mapping, by=None, replace: bool = False) -> tuple[Stay, str]:
    """Change a stay through the upsert; its key (property, confirmation number) cannot
    change.  ``replace`` (PUT) takes the fields given and the defaults for the rest;
    otherwise (PATCH) the fields given change and the rest stay.  Either way a missing
    or empty guest keeps the stay's guest."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the stay as an object."), field="detail", code="invalid")
    _key_unchanged(stay, data)
    given = {k: v for k, v in data.items() if k not in ("property", "confirmation_number")}
    # The guest and the attribution are kept by the writer when a row leaves them empty.
    stored = {f: getattr(stay, f) for f in ROW_FIELDS if f not in KEPT_WHEN_EMPTY}
    row = dict(given) if replace else stay_row_fill(given, stored)
    row["property"] = stay.property
    row["confirmation_number"] = stay.confirmation_number
    return stay_upsert(row=row, by=by)
