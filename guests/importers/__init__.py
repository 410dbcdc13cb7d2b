"""Bulk import of stays (and the guests they belong to) from files.

Two formats:

``csv`` (``pms_csv``) — our own PMS export.  UTF-8 (a BOM is fine), comma separated,
``.csv`` or ``.csv.gz``, a header on the first row.  Columns:

* required: ``property`` (code), ``confirmation_number``, ``arrival_date``,
  ``departure_date`` (YYYY-MM-DD), ``status`` (reserved, in_house, checked_out,
  cancelled, no_show; ``Checked-out`` and the like are accepted), ``channel`` (direct,
  ota, gds, corporate, walk_in, group), ``room_revenue``, ``fnb_revenue``,
  ``other_revenue``, ``currency``, ``adults``, ``children``;
* optional stay columns: ``room_type`` (assigned), ``reserved_room_type``,
  ``room_number``, ``rate_code``, ``distribution_channel``, ``market_segment``,
  ``special_requests``, ``country``, ``check_in_at``, ``check_out_at`` (ISO 8601);
* optional booking facts (``guests.services.stay_facts``): ``booking_date``,
  ``lead_time_days``, ``adr``, ``deposit_type``, ``agent_code``, ``company_code``,
  ``customer_type``, ``meal_plan``, ``babies``, ``previous_cancellations``,
  ``previous_bookings_not_canceled``, ``booking_changes``, ``days_in_waiting_list``,
  ``parking_spaces``, ``special_requests_count``, ``is_repeated_guest``,
  ``cancelled_on``.  An optional column absent from the header leaves the stored value
  of an existing stay alone (``stay_row_fill``);
* optional guest columns: ``family_name``, ``given_name``, ``family_name_latin``,
  ``given_name_latin``, ``email``, ``phone``, ``gender``, ``birth_date``,
  ``nationality``, ``language``.  A row without guest columns keeps the stay's
  current guest (or none).

``hotel-booking-demand`` (``hotel_booking_demand``) — the published dataset, every
column kept (see that module).

Guarantees (SPEC §2.1): rows are checked with the stay upsert's own rule set and the
errors come back per row and column (``row`` counts the header as row 1, as a
spreadsheet does).  A rejected row changes nothing (neither its stay nor a guest it
would have created); the other rows are imported.  A header problem rejects the file.
A dry run reports what would change, then rolls back; re-running the same file changes
nothing (rows equal to what is stored are not touched, not even ``updated_at``).  The
stays go through ``guests.services.stays_save``, the write path of every stay, which
sends ``stays_upserted`` after the commit for each batch that created or changed stays.
After a load that changed something, PostgreSQL's statistics are refreshed (``ANALYZE``)
so the next nightly run is planned on the new row counts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from crm_site.errors import DomainError

from ..models import Guest, Stay
from ..services import tables_analyze
from .common import BATCH_SIZE, ImportResult, RowError, open_stream
from .hotel_booking_demand import HBD_PROPERTIES, HBD_REQUIRED, import_hotel_booking_demand
from .pms_csv import CSV_COLUMNS, CSV_GUEST, CSV_OPTIONAL_STAY, CSV_REQUIRED, import_csv

FORMAT_CSV = "csv"
FORMAT_HOTEL_BOOKING_DEMAND = "hotel-booking-demand"
FORMATS = (FORMAT_CSV, FORMAT_HOTEL_BOOKING_DEMAND)

__all__ = [
    "BATCH_SIZE",
    "CSV_COLUMNS",
    "CSV_GUEST",
    "CSV_OPTIONAL_STAY",
    "CSV_REQUIRED",
    "FORMATS",
    "FORMAT_CSV",
    "FORMAT_HOTEL_BOOKING_DEMAND",
    "HBD_PROPERTIES",
    "HBD_REQUIRED",
    "ImportResult",
    "RowError",
    "import_stays",
]


def import_stays(
    *,
    path: str | Path | IO[str],
    format: str = FORMAT_CSV,
    dry_run: bool = False,
    by=None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import a file of stays row by row; see the module docstring."""
    if format not in FORMATS:
        raise DomainError(
            _("Unknown format; use one of: %(f)s.") % {"f": ", ".join(FORMATS)}, field="format", code="invalid_choice"
        )
    started = time.perf_counter()
    result = ImportResult(format=format, dry_run=dry_run)
    with open_stream(path) as stream, transaction.atomic():
        if format == FORMAT_HOTEL_BOOKING_DEMAND:
            import_hotel_booking_demand(stream, result, batch_size=batch_size)
        else:
            import_csv(stream, result, batch_size=batch_size, by=by)
        if dry_run:
            # Nothing of a dry run stays, and no signal is sent.
            transaction.set_rollback(True)
    if not dry_run and (result.changed or result.guests_created):
        tables_analyze(models=[Stay, Guest] if result.guests_created else [Stay])
    result.seconds = time.perf_counter() - started
    return result
