"""Keeping PostgreSQL's planner informed after bulk loads."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def tables_analyze(*, models: Iterable | None = None) -> bool:
    """Refresh the planner statistics of ``models``' tables (every table when None) on
    PostgreSQL, so the first query after a bulk load (the nightly segmentation after an
    import or a demo seed) is planned on the real row counts instead of those of an
    empty table.  Autovacuum would get there, but only later.  Returns whether it ran."""
    if connection.vendor != "postgresql":
        return False
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models] if models is not None else []
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")
    return True
