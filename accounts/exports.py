"""CSV exports of the account pages' tables.

``main`` has no shared CSV writer yet (analytics and care each write their own); this is
the one for accounts, with the same formula escaping.  When a shared writer lands in
``crm_site`` (the privacy work adds one), this module should call it instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Keep spreadsheet programs from running a cell as a formula (``=HYPERLINK(...)``)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    elif not isinstance(value, int | float | Decimal | str):
        value = str(value)  # lazy translations, choices
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # spreadsheet programs then read the Chinese names as UTF-8
    writer = csv.writer(response)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response
