"""Benchmark of the nightly segmentation (SPEC §4: 1,000,000 guests / 5,000,000 stays in
< 90 s together with the churn scan, peak memory < 1.5 GB).

Two ways in:

* ``python -m bench.segmentation [--guests N] [--stays M] [--keep]`` (or ``run()`` with no
  ``chain``): creates a dedicated PostgreSQL database (``BENCH_SEGMENTATION_DATABASE_URL``,
  default: the ``BENCH_DATABASE_URL`` server with ``_segmentation`` appended to its name),
  loads guests and stays with ``INSERT ... SELECT generate_series`` (foreign-key triggers
  off for the load session), measures, and drops the database unless ``--keep``;
* ``python -m bench`` calls ``run(chain=..., database_url=...)`` on the chain it already
  loaded and only measures.

Each measured run happens in a fresh Python process (``--measure-child``), so its peak
RSS (``resource.getrusage``) is that of a worker doing only the segmentation, not of the
loader.  Three runs are measured: the day before (the warm-up that gives the nightly a
previous run), the nightly itself (reads the previous run for the migration matrix) and a
re-run of the same date (replaces it).  ``seconds`` is the nightly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
PROPERTY_CODES = ["SHA", "BJS", "CAN", "HGH", "LIS", "OPO", "ALG", "MAD"]
HISTORY_DAYS = 3 * 365


def segmentation_database_url() -> str:
    explicit = os.environ.get("BENCH_SEGMENTATION_DATABASE_URL")
    if explicit:
        return explicit
    base = urlparse(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER_URL)
    name = base.path.lstrip("/") or "crm_bench"
    return urlunparse(base._replace(path=f"/{name}_segmentation"))


# --- loading -----------------------------------------------------------------------------


def _column_values(model, overrides: dict) -> tuple[list[str], list[str], list]:
    """Columns, SQL expressions and parameters for every concrete field of ``model``: the
    override when given (``sql`` or ``(sql, params)``), else the field's default (NULL when
    nullable), so the loader keeps up with new fields without being edited."""
    from django.db import connection

    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in overrides:
            override = overrides[field.attname]
            sql, extra = override if isinstance(override, tuple) else (override, [])
            expressions.append(sql)
            params.extend(extra)
        elif field.null and not field.has_default():
            expressions.append("NULL")
        elif field.has_default() or field.empty_strings_allowed:  # text fields default to ""
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            raise RuntimeError(f"{model.__name__}.{field.name} has no default: add it to the bench loader")
    return columns, expressions, params


def load(*, guests: int, stays: int, log=print) -> dict:
    """Load ``guests`` guests and ``stays`` stays (three years, heavy-tailed per guest and
    per spend, some refunds) into the current (empty) database.  Deterministic."""
    from django.db import connection
    from django.utils import timezone

    from guests.models import Guest, Property, Stay

    started = time.perf_counter()
    today = timezone.localdate()
    property_ids = [
        Property.objects.get_or_create(code=code, defaults={"name": f"Bench {code}"})[0].pk for code in PROPERTY_CODES
    ]
    qn = connection.ops.quote_name
    guest_table, stay_table = qn(Guest._meta.db_table), qn(Stay._meta.db_table)
    with connection.cursor() as cur:
        # Secondary indexes (trigram search, phone, e-mail ...) are rebuilt after the load:
        # building them once is far cheaper than maintaining them row by row.
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
            "WHERE i.schemaname = 'public' AND i.tablename IN (%s, %s) AND c.conname IS NULL",
            [Guest._meta.db_table, Stay._meta.db_table],
        )
        secondary = cur.fetchall()
        for name, _definition in secondary:
            cur.execute(f"DROP INDEX {qn(name)}")
        try:  # skip the foreign-key triggers for the load (the generator cannot break them)
            cur.execute("SET session_replication_role = replica")
        except Exception:  # not a superuser: load with the triggers, only slower
            log("  (foreign-key triggers stay on: not a superuser)")
        cur.execute("SELECT setseed(0.42)")

        columns, exprs, params = _column_values(
            Guest,
            {
                "family_name_latin": "'Bench'",
                "given_name_latin": "'Guest ' || i",
                "email": "'bench' || i || '@bench.example'",
                "name_key": "'benchguest' || i",
                "created_at": f"now() - interval '{HISTORY_DAYS + 30} days'",
                "updated_at": "now()",
            },
        )
        cur.execute(
            f"INSERT INTO {guest_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(exprs)} FROM generate_series(1, %s) AS i",
            [*params, guests],
        )
        cur.execute(f"SELECT min(id), max(id) FROM {guest_table}")
        first_id, last_id = cur.fetchone()
        log(f"  {guests:,} guests in {time.perf_counter() - started:.1f} s")

        # A guest's share of the stays follows u^1.5 (a few guests stay very often, many
        # once or never); spend per night is log-normal-ish; 0.3 % of stays are refunds.
        columns, exprs, params = _column_values(
            Stay,
            {
                # 70 % of a guest's stays at their home hotel, the rest anywhere.
                "property_id": (
                    "(%s::bigint[])[1 + CASE WHEN r.p < 0.7 THEN mod(r.guest, %s)::int ELSE floor(random() * %s)::int END]",
                    [property_ids, len(property_ids), len(property_ids)],
                ),
                "guest_id": "r.guest",
                "confirmation_number": "'B' || r.i",
                "arrival_date": "r.arrival",
                "departure_date": "r.arrival + r.nights",
                "nights": "r.nights",
                "status": (
                    "CASE WHEN r.arrival + r.nights > %s::date THEN 'reserved' WHEN r.s < 0.90 THEN 'checked_out' "
                    "WHEN r.s < 0.96 THEN 'cancelled' ELSE 'no_show' END",
                    [today],
                ),
                "room_revenue": "r.amount",
                "total_revenue": "r.amount",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        t = time.perf_counter()
        cur.execute(
            f"""
            INSERT INTO {stay_table} ({", ".join(columns)})
            SELECT {", ".join(exprs)} FROM (
                SELECT i, random() AS p, %s + floor(%s * power(random(), 1.5))::bigint AS guest, random() AS s,
                       %s::date - floor(random() * {HISTORY_DAYS})::int AS arrival,
                       1 + floor(random() * 5)::int AS nights,
                       round((CASE WHEN random() < 0.003 THEN -0.5 ELSE 1 END
                              * 60 * exp(random() * 2.5))::numeric, 2) AS amount
                FROM generate_series(1, %s) AS i
            ) AS r
            """,
            [*params, first_id, last_id - first_id + 1, today, stays],
        )
        log(f"  {stays:,} stays in {time.perf_counter() - t:.1f} s")
        cur.execute("SET session_replication_role = DEFAULT")
        t = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in secondary:
            cur.execute(definition)
        cur.execute("RESET maintenance_work_mem")
        log(f"  {len(secondary)} secondary indexes rebuilt in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        for table in (guest_table, stay_table):
            cur.execute(f"VACUUM ANALYZE {table}")
        log(f"  vacuum + analyse in {time.perf_counter() - t:.1f} s")
        cur.execute(
            f"SELECT count(*) FILTER (WHERE status = 'checked_out'), count(DISTINCT guest_id) FROM {stay_table}"
        )
        checked_out, guests_with_stays = cur.fetchone()
    return {
        "guests": guests,
        "stays": stays,
        "checked_out_stays": checked_out,
        "guests_with_stays": guests_with_stays,
        "load_seconds": round(time.perf_counter() - started, 1),
    }


# --- measuring ---------------------------------------------------------------------------


def _measure_in_child(url: str, as_of: dt.date) -> dict:
    """One segmentation in a fresh interpreter; returns its own figures."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "crm_site.settings.test"),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bench.segmentation", "--measure-child", "--as-of", as_of.isoformat()]
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"segmentation child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_main(as_of: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.test")
    django.setup()
    from analytics import services
    from analytics.models import SegmentationRun

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run = services.segmentation_run(as_of=dt.date.fromisoformat(as_of), trigger=SegmentationRun.Trigger.MANUAL)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_mb, 1),
                "baseline_rss_mb": round(baseline_mb, 1),
                "run_duration_ms": run.duration_ms,
                "phases": getattr(run, "phase_seconds", {}),
                "guests": run.guest_count,
                "active_guests": run.active_count,
                "segments": run.segment_counts,
            }
        )
    )


def measure(url: str, *, log=print) -> dict:
    """The nightly (with a previous run to compare with) and a same-date re-run."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    connection.close()  # the children hold their own connections
    runs = {}
    for label, as_of in (
        ("warm-up (day before)", today - dt.timedelta(days=1)),
        ("nightly", today),
        ("re-run same date", today),
    ):
        runs[label] = _measure_in_child(url, as_of)
        log(
            f"  {label}: {runs[label]['seconds']:.1f} s, peak RSS {runs[label]['peak_rss_mb']:.0f} MB "
            f"({', '.join(f'{k} {v:.1f}' for k, v in runs[label]['phases'].items())})"
        )
    nightly = runs["nightly"]
    return {
        "seconds": nightly["seconds"],
        "peak_rss_mb": nightly["peak_rss_mb"],
        "baseline_rss_mb": nightly["baseline_rss_mb"],
        "phases": nightly["phases"],
        "guests": nightly["guests"],
        "active_guests": nightly["active_guests"],
        "segments": nightly["segments"],
        "first_run_seconds": runs["warm-up (day before)"]["seconds"],
        "rerun_seconds": runs["re-run same date"]["seconds"],
        "rerun_peak_rss_mb": runs["re-run same date"]["peak_rss_mb"],
        "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs.values()),
    }


def _stay_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM guests_stay")
        return cur.fetchone()[0]


def run(
    scale_guests: int = 100_000,
    scale_stays: int = 500_000,
    *,
    chain: dict | None = None,
    database_url: str | None = None,
    keep: bool = False,
    log=print,
    **context,
) -> dict:
    """Measure the segmentation; returns ``{"nightly run": {seconds, peak_rss_mb, ...}}``.

    With ``chain`` (called by ``python -m bench``, Django already on the chain's database at
    ``database_url``), measure that chain.  Otherwise load ``scale_guests`` /
    ``scale_stays`` into the dedicated database first (dropped afterwards unless ``keep``).
    """
    if chain is not None:
        from django.db import connection

        url = database_url or os.environ.get("DATABASE_URL")
        if connection.vendor != "postgresql" or not url:
            raise RuntimeError("the segmentation benchmark needs the PostgreSQL chain database")
        stays = chain.get("stays") or _stay_count()
        result = measure(url, log=log)
        return {"nightly run": {"stays": stays, **result}}

    from bench import db

    url = database_url or segmentation_database_url()
    log(f"segmentation bench database {url.rsplit('/', 1)[-1]}: {db.prepare_database(url, fresh=True)}")
    restore = _point_django_at(url)
    try:
        db.migrate()
        log(f"loading {scale_guests:,} guests and {scale_stays:,} stays ...")
        loaded = load(guests=scale_guests, stays=scale_stays, log=log)
        result = measure(url, log=log)
    finally:
        restore()
        if not keep:
            db.drop_database(url)
    return {"nightly run": {**loaded, **result}}


def _point_django_at(url: str):
    """Use ``url`` as the default database: set up Django on it, or, when Django is
    already running on another PostgreSQL database, switch the default connection to it
    (as Django's test runner does) and return how to switch back."""
    from django.apps import apps

    if not apps.ready:
        from bench import db

        db.setup_django(url)
        return lambda: None
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the segmentation benchmark needs PostgreSQL (set DATABASE_URL to a PostgreSQL server)")
    import environ

    wanted = environ.Env.db_url_config(url)
    keys = ("NAME", "USER", "PASSWORD", "HOST", "PORT")
    saved = {k: connection.settings_dict.get(k) for k in keys}
    connection.close()
    connection.settings_dict.update({k: wanted.get(k) for k in keys})

    def restore():
        connection.close()
        connection.settings_dict.update(saved)

    return restore


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.segmentation",
        description="Load a synthetic chain into a dedicated PostgreSQL database and time the nightly segmentation.",
    )
    parser.add_argument("--guests", type=int, default=100_000, help="guests to load (default 100,000)")
    parser.add_argument("--stays", type=int, default=500_000, help="stays to load (default 500,000)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument("--measure-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_child:
        _child_main(args.as_of)
        return 0
    if args.guests < 100 or args.stays < args.guests:
        parser.error("use at least 100 guests and at least as many stays as guests")
    result = run(args.guests, args.stays, keep=args.keep, log=lambda m: print(m, flush=True))
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
