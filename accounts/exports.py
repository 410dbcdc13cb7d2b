"""CSV exports of the account pages' tables, through the one writer
(``crm_site.csvexport``: formula escaping) and audited like every other export
(``guests.audit``: who, which table, how many rows; a refused export too).

A view that exports is decorated with :func:`audited`; its CSV branch returns
:func:`csv_response`, which tells the decorator how many rows went out.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

from crm_site import csvexport
from guests import audit

BOM = "\ufeff"  # spreadsheet programs then read the Chinese names as UTF-8


def _plain(value):
    """Dates as ISO text, lazy translations and choices as text, numbers as they are (the
    shared writer then escapes the text)."""
    if value is None or isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    rows = [[_plain(v) for v in row] for row in rows]
    response = csvexport.csv_response(filename, [_plain(h) for h in header], rows)
    response.content = BOM.encode() + response.content
    response.export_rows = len(rows)
    return response


def audited(what: str, permission: str = "accounts.view_account"):
    """Audit the CSV a page sends (``?export=...``) as ``export:accounts:<what>``; a user
    without ``permission`` asking for one is recorded as refused (the view then answers
    403 itself)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            table = request.GET.get("export", "")
            user = request.user
            if table and user.is_authenticated and not user.has_perm(permission):
                audit.record_denied(what=f"accounts:{what}", permission=permission, by=user, path=request.path[:200])
            response = view(request, *args, **kwargs)
            rows = getattr(response, "export_rows", None)
            if rows is not None:
                audit.record_export(what=f"accounts:{what}", rows=rows, by=user, table=table, account=kwargs.get("pk"))
            return response

        return wrapper

    return decorate
