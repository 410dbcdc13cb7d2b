"""Benchmark of the hotel performance reports (SPEC §4: a report over the 5,000,000-stay
chain answers in < 300 ms p95) and of the facts refresh (time and peak memory).

``python -m bench`` calls ``run(chain=..., repeat=..., log=...)`` on the chain it loaded:

* ``facts rebuild`` — ``performance.services.facts_rebuild()`` over every stay, in a fresh
  Python process so its peak RSS is that of a worker doing only the rebuild;
* ``facts refresh (500 stays)`` — the incremental refresh one bulk write of 500 stays
  triggers (``facts_refresh_stays``), and ``guest journeys refresh (500 stays)`` — the
  same write's refresh of its guests' journeys (``journeys_refresh_stays``);
* ``report <name>`` — the API's selector for a chain-wide 12-month period, ``repeat``
  times: p50 / p95 / max milliseconds (target p95 < 300 ms); ``guest_rates`` reads the
  guest journeys the facts rebuild builds (its time includes them).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 300
REPORTS = ("production", "cancellations", "sources", "patterns", "pace", "guest_rates")


def _rebuild_in_child(url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "crm_site.settings.test"),
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.performance", "--measure-child"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"facts rebuild child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.test")
    django.setup()
    from performance.services import facts_rebuild

    started = time.perf_counter()
    counts = facts_rebuild()
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb, 1), **counts}))


def _latency(call, repeat: int) -> dict:
    call()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": p95 < TARGET_P95_MS,
    }


def run(*, chain: dict | None = None, database_url: str | None = None, repeat: int = 20, log=print, **context) -> dict:
    from django.db import connection

    from guests.models import Stay
    from performance import selectors
    from performance.models import NightFact

    url = database_url or os.environ.get("DATABASE_URL")
    if connection.vendor != "postgresql" or not url:
        raise RuntimeError("the performance benchmark needs the PostgreSQL chain database")
    connection.close()
    results = {"facts rebuild": _rebuild_in_child(url)}
    r = results["facts rebuild"]
    log(f"  facts rebuild: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB, {r['stays']:,} stays")

    from performance.services import facts_refresh_stays

    ids = list(Stay.objects.order_by("-arrival_date").values_list("pk", flat=True)[:500])
    started = time.perf_counter()
    facts_refresh_stays(stay_ids=ids)
    results["facts refresh (500 stays)"] = {"seconds": round(time.perf_counter() - started, 3)}
    from performance.services import journeys_refresh_stays

    started = time.perf_counter()
    journeys_refresh_stays(stay_ids=ids)
    results["guest journeys refresh (500 stays)"] = {"seconds": round(time.perf_counter() - started, 3)}
    log(f"  guest journeys refresh (500 stays): {results['guest journeys refresh (500 stays)']['seconds']:.2f} s")

    last = NightFact.objects.order_by("-stay_date").values_list("stay_date", flat=True).first()
    params = {}
    if last is not None:
        params = {"end": last.isoformat(), "start": last.replace(year=last.year - 1).isoformat()}
    f = selectors.report_filter(params, user=None)
    guests = selectors.guest_filter(params, user=None)
    for name in REPORTS:
        select = {
            "production": selectors.production,
            "cancellations": selectors.cancellations,
            "sources": selectors.source_mix,
            "patterns": selectors.booking_patterns,
            "pace": selectors.pace,
            "guest_rates": selectors.guest_rates,
        }[name]
        f_name = guests if name == "guest_rates" else f
        results[f"report {name}"] = stats = _latency(lambda select=select, f_name=f_name: select(f_name), repeat)
        log(f"  report {name}: p95 {stats['p95_ms']:.0f} ms (p50 {stats['p50_ms']:.0f} ms)")
    return results


if __name__ == "__main__":
    if "--measure-child" in sys.argv:
        _child_main()
