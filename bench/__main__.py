"""``python -m bench`` (``make bench``): load a synthetic chain into a dedicated PostgreSQL
database and measure SPEC §4.  See ``python -m bench --help``."""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import os
import platform
import sys
import time
import traceback
from pathlib import Path

CASES = ["search", "profile", "arrivals", "ingest", "import", "segmentation", "churn", "performance", "sales"]
# Modules other engineers own; each exposes ``run(**context) -> dict``.
OPTIONAL = {
    "segmentation": "bench.segmentation",
    "churn": "bench.churn",
    "performance": "bench.performance",
    "sales": "bench.sales",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Load a synthetic hotel chain into a dedicated PostgreSQL database "
            "(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crm_bench) and measure "
            "the SPEC §4 targets; prints a table and writes bench/report.json."
        ),
    )
    parser.add_argument("--guests", type=int, default=100_000, help="number of guests (default 100,000)")
    parser.add_argument(
        "--stays-per-guest", type=float, default=5.0, help="average stays per guest (default 5, as SPEC's 1M/5M)"
    )
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per case (default 100)")
    parser.add_argument("--only", default="", help=f"comma-separated cases to run (default all): {','.join(CASES)}")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database when it already holds a chain of this size (skip the load)",
    )
    parser.add_argument("--ingest-batches", type=int, default=20, help="bulk batches of 500 stays (default 20)")
    parser.add_argument("--report", default=None, help="where to write the JSON report (default bench/report.json)")
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database at the end (frees disk)")
    args = parser.parse_args(argv)
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    args.cases = only or CASES
    if args.guests < 1000:
        parser.error("--guests must be at least 1,000")
    if args.stays_per_guest < 1:
        parser.error("--stays-per-guest must be at least 1")
    return args


def run_optional(name: str, context: dict, log) -> dict:
    """Call ``bench.<name>.run`` with the context arguments it accepts."""
    try:
        module = importlib.import_module(OPTIONAL[name])
    except ModuleNotFoundError as exc:
        if exc.name == OPTIONAL[name]:
            return {"status": "not available", "reason": f"{OPTIONAL[name]} does not exist yet"}
        raise
    run = getattr(module, "run", None)
    if run is None:
        return {"status": "not available", "reason": f"{OPTIONAL[name]} has no run()"}
    params = inspect.signature(run).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = dict(context)
    else:
        kwargs = {k: v for k, v in context.items() if k in params}
    started = time.perf_counter()
    result = run(**kwargs)
    wall = round(time.perf_counter() - started, 2)
    if not isinstance(result, dict):
        result = {"result": result}
    if not any(isinstance(v, dict) for v in result.values()):
        result = {"run": result}
    for stats in result.values():
        if isinstance(stats, dict):
            stats.setdefault("wall_seconds", wall)
    log(f"    {name}: {wall:.1f} s")
    return result


def _seconds(section: dict) -> float | None:
    total = 0.0
    found = False
    for stats in section.values():
        if isinstance(stats, dict):
            value = stats.get("seconds", stats.get("duration_seconds", stats.get("wall_seconds")))
            if isinstance(value, int | float):
                total += value
                found = True
    return total if found else None


def main(argv=None) -> int:
    args = parse_args(argv)
    from bench import db

    def log(message=""):
        print(message, flush=True)

    url = db.database_url()
    started = time.time()
    action = db.prepare_database(url, fresh=not args.reuse)
    log(f"bench database {url.rsplit('/', 1)[-1]}: {action}")
    db.setup_django(url)
    # Eager Celery tasks run inside the measured requests; their INFO lines would bury the table.
    for name in ("celery", "kombu", "amqp"):
        logging.getLogger(name).setLevel(logging.WARNING)
    db.migrate()

    from django.db import connection

    from bench import chain as chain_module
    from bench import guests as cases
    from bench import report as report_module

    chain = chain_module.existing(args.guests, args.stays_per_guest) if args.reuse else None
    if chain is None:
        if args.reuse and (db.read_meta("chain") or {}).get("guests"):
            log("the database holds a different chain: reloading it")
            connection.close()
            db.prepare_database(url, fresh=True)
            db.migrate()
        log(f"loading {args.guests:,} guests, ~{args.stays_per_guest:g} stays each ...")
        chain = chain_module.load(guests=args.guests, stays_per_guest=args.stays_per_guest, log=log)
        log(f"loaded in {chain.load_seconds:.0f} s: {chain.guests:,} guests, {chain.stays:,} stays")
    else:
        log(f"reusing the loaded chain: {chain.guests:,} guests, {chain.stays:,} stays")

    # As a web worker does after start-up (crm_site/wsgi.py): the loaded heap is frozen.
    from crm_site.gc_tuning import freeze_startup_heap

    if os.environ.get("BENCH_GC_FREEZE", "1") != "0":
        log(f"gc: {freeze_startup_heap():,} start-up objects frozen")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    results: dict = {}
    context = {
        "guests": args.guests,
        "stays_per_guest": args.stays_per_guest,
        "repeat": args.repeat,
        "reuse": args.reuse,
        "database_url": url,
        "chain": chain.as_dict(),
        "log": log,
    }
    steps = [
        ("search", lambda: cases.bench_search(chain, repeat=args.repeat, log=log)),
        ("profile", lambda: cases.bench_profile(chain, repeat=args.repeat, log=log)),
        ("arrivals", lambda: cases.bench_arrivals(chain, repeat=args.repeat, log=log)),
        ("ingest", lambda: cases.bench_ingest(chain, batches=args.ingest_batches, log=log)),
        ("import", lambda: cases.bench_import(chain, log=log)),
        ("segmentation", lambda: run_optional("segmentation", context, log)),
        ("churn", lambda: run_optional("churn", context, log)),
        ("performance", lambda: run_optional("performance", context, log)),
        ("sales", lambda: run_optional("sales", context, log)),
    ]
    failed = False
    for name, step in steps:
        if name not in args.cases:
            continue
        log(f"[{name}]")
        t = time.perf_counter()
        try:
            results[name] = step()
        except Exception as exc:  # one broken case must not hide the others' numbers
            failed = True
            traceback.print_exc()
            results[name] = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
        log(f"  ({time.perf_counter() - t:.0f} s)")

    seg, churn = results.get("segmentation"), results.get("churn")
    if isinstance(seg, dict) and isinstance(churn, dict):
        a, b = _seconds(seg), _seconds(churn)
        if a is not None and b is not None:
            results["nightly"] = {"segmentation + churn": {"seconds": round(a + b, 2)}}

    verdicts = report_module.annotate(results)
    report = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_seconds": round(time.time() - started, 1),
        "arguments": {k: v for k, v in vars(args).items() if k != "cases"} | {"cases": args.cases},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": pg_version,
            "load_average": os.getloadavg(),
        },
        "chain": chain.as_dict() | {"users": sorted(chain.users)},
        "results": results,
        "verdicts": verdicts,
        "note": "In-process requests through Django's test client (no network); "
        "numbers depend on the machine's load at the time of the run.",
    }
    report_module.print_table(results, out=log)
    path = report_module.write(report, path=Path(args.report) if args.report else report_module.REPORT_PATH)
    missed = [v for v in verdicts if not v["ok"]]
    log(
        f"report: {path}  ({len(verdicts) - len(missed)}/{len(verdicts)} targets met, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus)"
    )
    if args.drop:
        connection.close()
        db.drop_database(url)
        log("bench database dropped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
