"""Benchmark of the nightly churn scan (SPEC §4: with the segmentation, 1,000,000 guests /
5,000,000 stays in < 90 s together, peak memory < 1.5 GB).

* ``python -m bench`` calls ``run(chain=..., database_url=...)`` after the segmentation
  case, on the chain it loaded (the segmentation's current run gives the segments);
* ``python -m bench.churn [--guests N] [--stays M] [--keep]`` prepares the database with
  :mod:`bench.segmentation` (load + segmentation runs, kept), measures the scan there and
  drops the database unless ``--keep``.

Each scan runs in a fresh Python process so its peak RSS is that of a worker doing only
the scan.  Three scans: the day before (the first ever: every warning is new), the nightly
(refreshes yesterday's warnings) and a re-run of the same date.  ``seconds`` is the nightly.
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

PROJECT = Path(__file__).resolve().parent.parent


def _measure_in_child(url: str, as_of: dt.date) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "crm_site.settings.test"),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bench.churn", "--measure-child", "--as-of", as_of.isoformat()]
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"churn scan child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_main(as_of: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.test")
    django.setup()
    from care import services

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    counts = services.churn_scan(as_of=dt.date.fromisoformat(as_of))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    keep = (
        "stays_read",
        "guests_with_stays",
        "guests_on_the_books",
        "flagged",
        "reasons",
        "opened",
        "updated",
        "closed_returned",
        "closed_rebooked",
        "closed_cleared",
        "open_total",
    )
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_mb, 1),
                "baseline_rss_mb": round(baseline_mb, 1),
                **{k: counts[k] for k in keep},
            }
        )
    )


def measure(url: str, *, log=print) -> dict:
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    connection.close()  # the children hold their own connections
    runs = {}
    for label, as_of in (
        ("first scan (day before)", today - dt.timedelta(days=1)),
        ("nightly", today),
        ("re-run same date", today),
    ):
        runs[label] = _measure_in_child(url, as_of)
        r = runs[label]
        log(
            f"  {label}: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB, "
            f"{r['stays_read']:,} stays, opened {r['opened']:,}, updated {r['updated']:,}"
        )
    nightly = runs["nightly"]
    return {
        **nightly,
        "first_scan_seconds": runs["first scan (day before)"]["seconds"],
        "rerun_seconds": runs["re-run same date"]["seconds"],
        "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs.values()),
    }


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
    """Time the churn scan; returns ``{"nightly scan": {seconds, peak_rss_mb, ...}}``."""
    if chain is not None:
        from django.db import connection

        url = database_url or os.environ.get("DATABASE_URL")
        if connection.vendor != "postgresql" or not url:
            raise RuntimeError("the churn benchmark needs the PostgreSQL chain database")
        return {"nightly scan": measure(url, log=log)}

    from bench import db, segmentation

    url = database_url or segmentation.segmentation_database_url()
    prepared = segmentation.run(scale_guests, scale_stays, database_url=url, keep=True, log=log)
    restore = segmentation._point_django_at(url)
    try:
        result = measure(url, log=log)
    finally:
        restore()
        if not keep:
            db.drop_database(url)
    loaded = {k: v for k, v in prepared["nightly run"].items() if k in ("guests", "stays", "checked_out_stays")}
    return {"nightly scan": {**loaded, **result}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.churn",
        description="Prepare a synthetic chain with bench.segmentation and time the nightly churn scan.",
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
