"""What both import formats share: opening the file, reading rows, the result."""

from __future__ import annotations

import contextlib
import csv
import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from crm_site.errors import DomainError

from ..services import StayRowError, StayRowResult, stays_save

BATCH_SIZE = 10_000
# A field larger than the csv module's default limit (128 KiB) would stop the reader
# with no column named; read it, and let the rule set refuse it naming its column.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))


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
    """What an import did (or, in a dry run, would do).  A rejected row changes nothing;
    the others are imported."""

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
    rejected_rows: set[int] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected(self) -> int:
        """Data rows refused (a header problem rejects the file: no row is read then)."""
        return len(self.rejected_rows - {1})

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def reject(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column or "-", str(reason)))
        self.rejected_rows.add(row)

    def reject_stay_errors(self, errors: Iterable[StayRowError]) -> None:
        for error in errors:
            self.reject(error.row, error.field, error.message)

    def count(self, results: Iterable[StayRowResult]) -> None:
        for r in results:
            setattr(self, r.status, getattr(self, r.status) + 1)

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "guests_created": self.guests_created,
            "guests_matched": self.guests_matched,
            "properties_created": self.properties_created,
            "errors": [e.as_dict() for e in self.errors],
            "seconds": round(self.seconds, 2),
        }


@contextlib.contextmanager
def open_stream(source):
    """A text stream over a path (``.gz`` decompressed) or an already open stream."""
    if hasattr(source, "read"):
        yield source
        return
    path = Path(source)
    if not path.is_file():
        raise DomainError(_("File not found: %(p)s") % {"p": path}, field="path", code="not_found")
    if path.suffix == ".gz":
        stream = gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    else:
        stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    try:
        yield stream
    finally:
        stream.close()


_READ_ERRORS = (UnicodeDecodeError, csv.Error, OSError, EOFError)


def read_header(stream, result: ImportResult, *, required: Iterable[str], known: Iterable[str] | None):
    """``(header, reader)``, or ``(None, None)`` with row-1 errors: a file whose header is
    wrong has no row to import."""
    try:
        reader = csv.reader(stream)
        header = next(reader, None)
    except _READ_ERRORS as exc:
        result.reject(1, "-", _("Cannot read the file: %(e)s") % {"e": exc})
        return None, None
    if not header:
        result.reject(1, "-", _("The file is empty."))
        return None, None
    header = [h.strip().lower() for h in header]
    for column in required:
        if column not in header:
            result.reject(1, column, _("Required column is missing."))
    known = set(known) if known is not None else set(header)
    seen = set()
    for column in header:
        if column not in known:
            result.reject(1, column, _("Unknown column."))
        elif column in seen:
            result.reject(1, column, _("Column appears twice."))
        seen.add(column)
    if result.errors:
        return None, None
    return header, reader


def read_rows(reader, header, result: ImportResult, columns: Iterable[str] | None = None) -> Iterator[tuple[int, dict]]:
    """(row number, {column: stripped value}); the header is row 1.  ``columns`` limits
    the dict to the columns the format reads (the published dataset has 32)."""
    width = len(header)
    wanted = [(c, header.index(c)) for c in columns] if columns is not None else [(c, i) for i, c in enumerate(header)]
    number = 1
    try:
        for values in reader:
            number += 1
            if len(values) != width:
                if any(v.strip() for v in values):
                    result.rows += 1
                    result.reject(
                        number, "-", _("Expected %(n)d values, found %(m)d.") % {"n": width, "m": len(values)}
                    )
                continue
            row = {c: values[i].strip() for c, i in wanted}
            if any(row.values()):
                result.rows += 1
                yield number, row
    except _READ_ERRORS as exc:
        # The rest of the file cannot be read: nothing of it is imported.
        result.reject(number + 1, "-", _("Cannot read the file: %(e)s") % {"e": exc})


def chunks(items, size: int):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def save_in_batches(stays, result: ImportResult, *, columns, batch_size: int) -> None:
    """Write the accepted rows through the stay upsert, ``batch_size`` at a time (one
    ``stays_upserted`` per batch that changed something)."""
    for chunk in chunks(stays, batch_size):
        result.count(stays_save(stays=chunk, columns=columns))


def normalise_choice(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")
