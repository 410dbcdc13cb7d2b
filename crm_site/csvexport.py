"""The one CSV writer every export uses.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or carriage return) as a formula: a guest named ``=HYPERLINK(...)`` or a
competitor typed as ``@SUM(...)`` would run on the sales manager's machine (CSV / formula
injection).  Every text cell is therefore written with a leading apostrophe when it
starts with one of those characters; numbers (int, Decimal, float) are written as they
are, so a refund of ``-12.50`` stays a number, and so does text that is only a signed
number (a phone in E.164 such as ``+8613800138000``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number (a phone in E.164, a refund written as text) runs nothing.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def csv_cell(value):
    """One cell, safe to open in a spreadsheet: ``None`` is empty, text that a
    spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


class _Echo:
    """A file-like object whose ``write`` hands the line back (for streaming)."""

    def write(self, value):
        return value


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable], *, stream: bool = False) -> HttpResponse:
    """A CSV download: ``header`` then ``rows``, every cell through :func:`csv_cell`.

    ``stream`` sends the rows as they are produced (large guest lists) instead of
    building the whole file in memory first.  An empty row is written as an empty line
    (a separator between two tables of one file)."""
    if stream:
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield writer.writerow(csv_row(header))
            for row in rows:
                yield writer.writerow(csv_row(row))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(csv_row(header))
        writer.writerows(csv_row(row) for row in rows)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
