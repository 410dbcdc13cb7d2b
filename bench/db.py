"""The benchmark's own PostgreSQL database: never the development or test database.

``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/crm_bench``) names
it.  It is created when missing and migrated; a database that already holds tables but
no ``bench_meta`` marker is refused, so a mistyped URL cannot wipe real data.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
META_TABLE = "bench_meta"


class BenchDatabaseError(RuntimeError):
    pass


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def _parts(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise BenchDatabaseError(f"The benchmark needs PostgreSQL; BENCH_DATABASE_URL is {parsed.scheme}://")
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise BenchDatabaseError("BENCH_DATABASE_URL names no database")
    return {
        "dbname": name,
        "user": unquote(parsed.username or "") or None,
        "password": unquote(parsed.password or "") or None,
        "host": parsed.hostname or None,
        "port": parsed.port or None,
    }


def _admin_connection(url: str):
    import psycopg2

    parts = _parts(url)
    params = {k: v for k, v in parts.items() if v is not None and k != "dbname"}
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    return conn, parts["dbname"]


def _is_bench_database(url: str) -> tuple[bool, bool]:
    """(exists, safe to drop: empty or carries the bench marker)."""
    import psycopg2

    parts = _parts(url)
    params = {k: v for k, v in parts.items() if v is not None}
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        if "does not exist" in str(exc):
            return False, True
        raise
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [META_TABLE])
            marked = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            tables = cur.fetchone()[0]
        return True, marked or tables == 0
    finally:
        conn.close()


def prepare_database(url: str, *, fresh: bool) -> str:
    """Create the database if missing; with ``fresh``, drop and recreate it first.
    Returns what was done (for the log)."""
    exists, safe = _is_bench_database(url)
    if exists and not safe:
        raise BenchDatabaseError(
            f"{_parts(url)['dbname']} holds tables but is not a benchmark database "
            f"(no {META_TABLE} table); refusing to touch it. Set BENCH_DATABASE_URL."
        )
    conn, name = _admin_connection(url)
    try:
        with conn.cursor() as cur:
            quoted = '"' + name.replace('"', '""') + '"'
            if exists and fresh:
                cur.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
                exists = False
                action = "recreated"
            else:
                action = "reused" if exists else "created"
            if not exists:
                cur.execute(f"CREATE DATABASE {quoted}")
    finally:
        conn.close()
    _mark(url)
    return action


def _mark(url: str) -> None:
    """Create the marker table at once, so a half-migrated database is still ours."""
    import psycopg2

    params = {k: v for k, v in _parts(url).items() if v is not None}
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
    finally:
        conn.close()


def drop_database(url: str) -> None:
    exists, safe = _is_bench_database(url)
    if not exists:
        return
    if not safe:
        raise BenchDatabaseError("refusing to drop a database that is not a benchmark database")
    conn, name = _admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute('DROP DATABASE "%s" WITH (FORCE)' % name.replace('"', '""'))
    finally:
        conn.close()


def setup_django(url: str) -> None:
    """Point Django at the benchmark database (before settings are read) and start it."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.test")
    # Keep one connection for the whole run, as a web worker does.
    os.environ.setdefault("CONN_MAX_AGE", "600")
    # The per-process permission cache as production keeps it (the test settings turn it off).
    os.environ.setdefault("PERMISSION_CACHE_SECONDS", "5")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def read_meta(key: str):
    import json

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = %s", [key])
        row = cur.fetchone()
    if row is None:
        return None
    return row[0] if not isinstance(row[0], str) else json.loads(row[0])


def write_meta(key: str, value) -> None:
    import json

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value, default=str)],
        )
